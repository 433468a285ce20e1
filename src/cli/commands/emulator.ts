/**
 * `acns emulator`: runs the local Cloudflare API emulator until Ctrl-C (or SIGTERM) and prints how
 * to use it; optionally with the DNS fixture, and writing its state back on exit.
 */
import { type EmulatorFlags, emulatorOptions, emulatorRequest } from '../emulator-flags.js';
import type { Registry } from '../registry.js';

export function registerEmulator(reg: Registry): void {
  emulatorOptions(
    reg.program
      .command('emulator')
      .description('run a local Cloudflare API emulator (both endpoint flavours) on 127.0.0.1 until Ctrl-C'),
  ).action((flags: EmulatorFlags) => {
    reg.setRunner(async (io) => {
      const req = emulatorRequest(flags);
      const { sessionFor } = await import('../session.js');
      const { runEmulator } = await import('../../operations/emulator.js');
      const { renderEmulatorBanner } = await import('../emulator-banner.js');
      const { savedTo } = await runEmulator(sessionFor(io), req, (ready) =>
        io.stdout.write(renderEmulatorBanner(ready, req)),
      );
      io.stderr.write(savedTo ? `acns emulator stopped; state saved to ${savedTo}.\n` : 'acns emulator stopped.\n');
      return 0;
    });
  });
}
