/**
 * Progress on stderr for long reads and applies: a bar on a TTY (with step lines printed above
 * it), a line every few seconds otherwise. stdout never carries progress, so
 * `plan --format json > plan.json` stays clean.
 */
import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { ProgressSink } from '../operations/session.js';
import type { CliIO } from './io.js';

let loaded: typeof cliProgress | undefined;

/** The bar package, loaded when a terminal first shows a bar (CI logs and pipes get lines). */
function progressBars(): typeof cliProgress {
  loaded ??= createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
  return loaded;
}

const LINE_INTERVAL_MS = 5000;
const MIN_TOTAL_FOR_PROGRESS = 20;

export function createProgress(io: CliIO, opts: { quiet?: boolean } = {}): ProgressSink {
  if (opts.quiet) return { update() {}, note() {}, line: (t) => void io.stderr.write(t), stop() {} };
  const tty = Boolean(io.stderr.isTTY) && !io.env.CI;
  let multi: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let barLabel = '';
  let lastLine = 0;
  const start = Date.now();

  const redraw = () => (multi as unknown as { update(): void } | undefined)?.update();
  const stopBar = () => {
    if (!multi) return;
    redraw(); // flush lines logged since the last redraw
    multi.stop();
    multi = undefined;
    bar = undefined;
  };
  const write = (text: string) => {
    if (multi) {
      multi.log(text.endsWith('\n') ? text : `${text}\n`);
      redraw();
    } else {
      io.stderr.write(text);
    }
  };

  return {
    update(label, done, total) {
      if (total < MIN_TOTAL_FOR_PROGRESS) return;
      if (tty) {
        if (!multi || barLabel !== label) {
          stopBar();
          barLabel = label;
          const bars = progressBars();
          multi = new bars.MultiBar(
            {
              stream: io.stderr as unknown as NodeJS.WritableStream,
              format: `  ${label} [{bar}] {value}/{total} {eta_formatted}`,
              hideCursor: true,
              clearOnComplete: true,
              gracefulExit: false,
            },
            bars.Presets.shades_classic,
          );
          bar = multi.create(total, done);
        } else {
          bar?.setTotal(total);
          bar?.update(done);
        }
        if (done >= total) stopBar();
        return;
      }
      const now = Date.now();
      if (done >= total || now - lastLine >= LINE_INTERVAL_MS) {
        if (done < total || now - start > LINE_INTERVAL_MS) io.stderr.write(`acns: ${label}: ${done}/${total}\n`);
        lastLine = now;
      }
    },
    note(message) {
      write(`acns: ${message}\n`);
    },
    line(text) {
      write(text);
    },
    stop: stopBar,
  };
}
