/** What `acns emulator` prints once it listens: where, with which limits, and the exports to use it. */
import type { EmulatorReady, EmulatorRequest } from '../operations/emulator.js';

export function renderEmulatorBanner(ready: EmulatorReady, req: EmulatorRequest): string {
  const { emulator: emu, state, dns } = ready;
  const { rate, ipRate, latencyMs, faults } = req;
  const token = state.tokens[0] ?? '(none: X-Auth-Email/X-Auth-Key only)';
  const limits =
    `${rate ? `rate ${rate.requests}/${rate.seconds}s` : 'no rate window'}, ` +
    `${ipRate ? `${ipRate}/s per IP` : 'no per-IP limit'}`;
  const extras =
    `${latencyMs ? `; latency ${latencyMs} ms` : ''}` +
    `${faults.length ? `; ${faults.length} fault${faults.length === 1 ? '' : 's'}` : ''}` +
    `${req.log ? `; request log ${req.log}` : ''}`;
  return (
    `acns emulator listening on ${emu.url}\n` +
    `  account id: ${state.accountId}\n` +
    `  token:      ${token}\n` +
    `  entitled:   ${state.entitled ? 'yes' : 'no'}; zones: ${state.zones.length}; ` +
    `names: ${state.customNs.length}; ${limits}${extras}\n` +
    `  control:    ${emu.controlUrl} (dashboard changes, glue; see docs/emulator.md)\n` +
    (dns
      ? `  DNS:        root ${dns.rootServer}; glue not published for ` +
        `${state.glueMissing.length ? `set ${state.glueMissing.join(', ')}` : 'no set'}\n`
      : '') +
    `\n  export CLOUDFLARE_BASE_URL=${emu.url}\n` +
    `  export CLOUDFLARE_API_TOKEN=${token}\n` +
    `  export CLOUDFLARE_ACCOUNT_ID=${state.accountId}\n` +
    (dns ? `  export ACNS_DNS_ROOT_SERVERS=${dns.rootServer}\n  export ACNS_DNS_PORT=${dns.port}\n` : '') +
    `\nPress Ctrl-C to stop${req.save ? ` (the state is then saved to ${req.stateFile})` : ''}.\n`
  );
}
