/**
 * What a user sees of a glue check: one line per name, then — when anything is not ok — the exact
 * host records to register at the registrar (plain and zone-file form), stale addresses to remove,
 * unreachable parent servers, and the Cloudflare Registrar note. JSON is stable for machines.
 */
import pc from 'picocolors';
import { displayZone } from './names.js';
import type { GlueReport, NameGlueResult } from './glue.js';

/** `format_version` of the `acns glue --format json` document. */
export const GLUE_JSON_VERSION = 1;

/** Human text for one or more set reports. */
export function renderGlueText(reports: GlueReport[], opts: { colour?: boolean } = {}): string {
  const c = pc.createColors(opts.colour ?? false);
  const out: string[] = [];
  for (const r of reports) {
    if (out.length > 0) out.push('');
    const answered = r.servers.filter(
      (s) => s.kind === 'referral' || s.kind === 'nxdomain' || s.kind === 'nodata',
    ).length;
    const verdict = {
      ok: c.green('OK'),
      failed: c.red('FAILED — action required at the registrar'),
      not_visible: c.yellow('WARNING — glue not visible through the current delegation'),
      could_not_verify: c.red('COULD NOT VERIFY'),
    }[r.verdict];
    out.push(
      `Glue check for set ${r.set}: ${r.hostZone} (parent zone "${displayZone(r.parentZone)}", ${answered}/${r.servers.length} parent servers answered): ${verdict}`,
    );
    const width = Math.max(...r.names.map((n) => n.name.length), 0);
    for (const n of r.names)
      out.push(
        `  ${statusLabel(n, c)} ${n.name.padEnd(width)}  A: ${n.ipv4}  AAAA: ${n.ipv6}${n.problems.length ? `  - ${n.problems.join('; ')}` : ''}`,
      );
    if (r.verdict !== 'ok') out.push(...instructions(r));
    for (const w of r.warnings) out.push(`${c.yellow('warning:')} ${w}`);
  }
  return `${out.join('\n')}\n`;
}

/** Stable JSON for `--format json`: fixed key order, `format_version`, snake_case keys (like plan and drift). */
export function renderGlueJson(reports: GlueReport[]): string {
  const doc = {
    format_version: GLUE_JSON_VERSION,
    ok: reports.every((r) => !r.blocking),
    sets: reports.map((r) => ({
      set: r.set,
      registrar: r.registrar,
      host_zone: r.hostZone,
      parent_zone: r.parentZone,
      verdict: r.verdict,
      blocking: r.blocking,
      delegation_ns: r.delegationNs,
      names: r.names.map((n) => ({
        name: n.name,
        status: n.status,
        ipv4: n.ipv4,
        ipv6: n.ipv6,
        expected: { ipv4: n.expected.ipv4 ?? null, ipv6: n.expected.ipv6 ?? null },
        found: { ipv4: n.found.ipv4, ipv6: n.found.ipv6 },
        stale: n.stale,
        in_delegation: n.inDelegation,
        inconsistent_across_servers: n.inconsistentAcrossServers,
        child: { status: n.child.status, ipv4: n.child.ipv4, ipv6: n.child.ipv6, problems: n.child.problems },
        problems: n.problems,
      })),
      servers: r.servers.map((s) => ({
        server: s.server,
        kind: s.kind,
        transport: s.transport,
        truncated_over_udp: s.truncatedOverUdp,
        confirmed_over_tcp: s.confirmedOverTcp,
        rcode: s.rcode ?? null,
        delegation_ns: s.delegationNs,
        glue: s.glue.map((g) => ({ name: g.name, type: g.type, address: g.address })),
        error: s.error ?? null,
      })),
      child_servers: r.childServers.map((s) => ({
        server: s.server,
        own: s.own,
        answered: s.answered,
        error: s.error ?? null,
      })),
      unreachable_parent_servers: r.unreachableParentServers,
      register: r.register.map((g) => ({ name: g.name, ipv4: g.ipv4 ?? null, ipv6: g.ipv6 ?? null })),
      stale: r.stale.map((s) => ({ name: s.name, address: s.address })),
      warnings: r.warnings,
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The zone-file lines of the records to register. */
export function zoneFileLines(r: GlueReport): string[] {
  const width = Math.max(...r.register.map((g) => g.name.length + 1), 0);
  return r.register.flatMap((g) => [
    ...(g.ipv4 ? [`${`${g.name}.`.padEnd(width)}  IN A     ${g.ipv4}`] : []),
    ...(g.ipv6 ? [`${`${g.name}.`.padEnd(width)}  IN AAAA  ${g.ipv6}`] : []),
  ]);
}

function instructions(r: GlueReport): string[] {
  const out: string[] = [''];
  if (r.register.length > 0) {
    const lead =
      r.verdict === 'failed'
        ? `At the registrar of ${r.hostZone}, register these name server hosts (glue records / child name servers / host records):`
        : `At the registrar of ${r.hostZone}, make sure these name server hosts are registered (glue records / child name servers / host records):`;
    out.push(lead);
    const width = Math.max(...r.register.map((g) => g.name.length));
    for (const g of r.register)
      out.push(`  ${g.name.padEnd(width)}  IPv4 ${(g.ipv4 ?? '-').padEnd(15)}  IPv6 ${g.ipv6 ?? '-'}`);
    out.push('Zone-file form of the same records (as the parent zone should publish them):');
    out.push(...zoneFileLines(r).map((l) => `  ${l}`));
  }
  if (r.stale.length > 0)
    out.push(`Remove stale glue addresses: ${r.stale.map((s) => `${s.name} ${s.address}`).join(', ')}`);
  if (r.unreachableParentServers.length > 0)
    out.push(`Parent servers that did not answer: ${r.unreachableParentServers.join(', ')}`);
  if (r.registrar === 'cloudflare' && r.register.length > 0) {
    out.push(
      `${r.hostZone} uses Cloudflare Registrar: you cannot add glue records yourself there — Cloudflare Support adds glue for domains on Cloudflare Registrar; open a support ticket with the records above.`,
    );
  }
  if (r.verdict === 'failed' || r.verdict === 'could_not_verify') {
    out.push(
      r.verdict === 'failed'
        ? 'Re-run once the registry publishes the records (or use --glue-wait DURATION to wait for them).'
        : 'To go on: set dns.parent_servers (ACNS_DNS_PARENT_SERVERS) to parent servers this machine can reach, or set policy glue_check: warn.',
    );
  }
  return out;
}

function statusLabel(n: NameGlueResult, c: ReturnType<typeof pc.createColors>): string {
  const label = n.status.toUpperCase().replace(/_/g, '-').padEnd(16);
  if (n.status === 'ok') return c.green(label);
  if (n.status === 'not_visible') return c.yellow(label);
  return c.red(label);
}
