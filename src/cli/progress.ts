/**
 * Progress on stderr for long reads and applies: a bar on a TTY, a line every few seconds
 * otherwise. stdout never carries progress, so `plan --format json > plan.json` stays clean.
 */
import cliProgress from 'cli-progress';
import type { CliIO } from './io.js';

export interface ProgressSink {
  /** A counter moved: `label` names what is counted ("zone settings", "steps"). */
  update(label: string, done: number, total: number): void;
  /** A one-off line (waiting for the rate window, glue check retrying…). */
  note(message: string): void;
  stop(): void;
}

const LINE_INTERVAL_MS = 5000;
const MIN_TOTAL_FOR_PROGRESS = 20;

export function createProgress(io: CliIO, opts: { quiet?: boolean } = {}): ProgressSink {
  if (opts.quiet) return { update() {}, note() {}, stop() {} };
  const tty = Boolean(io.stderr.isTTY) && !io.env.CI;
  let bar: cliProgress.SingleBar | undefined;
  let barLabel = '';
  let lastLine = 0;
  const start = Date.now();

  const stopBar = () => {
    if (bar) {
      bar.stop();
      bar = undefined;
    }
  };

  return {
    update(label, done, total) {
      if (total < MIN_TOTAL_FOR_PROGRESS) return;
      if (tty) {
        if (!bar || barLabel !== label) {
          stopBar();
          barLabel = label;
          bar = new cliProgress.SingleBar(
            {
              stream: io.stderr as unknown as NodeJS.WritableStream,
              format: `  ${label} [{bar}] {value}/{total} {eta_formatted}`,
              hideCursor: true,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, done);
        } else {
          bar.setTotal(total);
          bar.update(done);
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
      stopBar();
      io.stderr.write(`acns: ${message}\n`);
    },
    stop: stopBar,
  };
}
