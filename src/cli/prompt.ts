/** The `yes` prompt of apply without a plan file, like Terraform's. */
import { createInterface } from 'node:readline/promises';
import { AcnsError } from '../errors.js';
import type { CliIO } from './io.js';

export async function confirm(io: CliIO): Promise<boolean> {
  if (!io.stdin?.isTTY) {
    throw new AcnsError(
      'needs_approval',
      'apply needs approval, and no terminal can answer here; nothing was changed',
      {
        hint:
          'review the plan, then run `acns apply --auto-approve` (or save it with `acns plan -o plan.json` ' +
          'and run `acns apply plan.json`)',
      },
    );
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr as unknown as NodeJS.WritableStream });
  try {
    const question =
      "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ";
    return (await rl.question(question)).trim() === 'yes';
  } finally {
    rl.close();
  }
}
