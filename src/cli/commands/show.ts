import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parsePlanFile } from '../../render/json.js';
import { AcnsError } from '../../errors.js';
import { formatOption, type Format } from '../formats.js';
import type { CliIO } from '../io.js';
import type { Registry } from '../program.js';
import { renderPlan } from './plan.js';

export function registerShow(reg: Registry): void {
  reg.program
    .command('show')
    .description('render a saved plan again (text, json or markdown)')
    .argument('<planfile>', 'a plan saved with `acns plan -o`')
    .addOption(formatOption())
    .action((planfile: string, flags: { format: Format }) => {
      reg.setRunner(async (io) => {
        const saved = await readPlanFile(planfile, io);
        io.stdout.write(renderPlan(saved.plan, flags.format, io, saved.createdAt));
        return 0;
      });
    });
}

export async function readPlanFile(file: string, io: CliIO): Promise<ReturnType<typeof parsePlanFile>> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, file), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new AcnsError('plan_unreadable', `cannot read the plan ${file}: ${why}`, {
      hint: 'create one with `acns plan -o plan.json`',
    });
  }
  return parsePlanFile(text, file);
}
