/**
 * What a user sees of a glue check: one line per name, then — when anything is not ok — the exact
 * host records to register at the registrar (plain and zone-file form), stale addresses to remove,
 * unreachable parent servers, and the Cloudflare Registrar note. JSON is stable for machines.
 */
import pc from 'picocolors';
import { displayZone } from './names.js';
import type { TakeoverProgress } from '../plan/takeover.js';
import { gluePasses } from '../plan/takeover-hold.js';
import type { GlueRecord, GlueReport, NameGlueResult } from './glue.js';
import { type Where, whereText } from './where.js';

/** `format_version` of the `acns glue --format json` document. */
export const GLUE_JSON_VERSION = 1;

/**
 * Human text for one or more set reports. `warnings: false` leaves out the `warning:` lines, for a
 * caller that prints them apart (the CLI sends them to stderr with `renderGlueWarnings`).
 */
export function renderGlueText(reports: GlueReport[], opts: { colour?: boolean; warnings?: boolean } = {}): string {
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
    const domains = r.domains ?? [];
    const zones =
      domains.length > 1
        ? domains.map((d) => `${d.hostZone} (parent zone "${displayZone(d.parentZone)}")`).join(', ')
        : `${r.hostZone} (parent zone "${displayZone(r.parentZone)}"`;
    out.push(
      domains.length > 1
        ? `Glue check for set ${r.set}: ${zones}; ${answered}/${r.servers.length} parent servers answered: ${verdict}`
        : `Glue check for set ${r.set}: ${zones}, ${answered}/${r.servers.length} parent servers answered): ${verdict}`,
    );
    const width = Math.max(...r.names.map((n) => n.name.length), 0);
    for (const n of r.names) {
      const problems = n.problems.length ? `  - ${n.problems.join('; ')}` : '';
      out.push(`  ${statusLabel(n, c)} ${n.name.padEnd(width)}  A: ${n.ipv4}  AAAA: ${n.ipv6}${problems}`);
    }
    if (r.verdict !== 'ok') out.push(...instructions(r));
    if (opts.warnings !== false) for (const w of r.warnings) out.push(`${c.yellow('warning:')} ${w}`);
  }
  return `${out.join('\n')}\n`;
}

/** The reports' warnings alone, one `warning: set N: …` line each ('' when there are none). */
export function renderGlueWarnings(reports: GlueReport[], opts: { colour?: boolean } = {}): string {
  const c = pc.createColors(opts.colour ?? false);
  return reports.flatMap((r) => r.warnings.map((w) => `${c.yellow('warning:')} set ${r.set}: ${w}\n`)).join('');
}

/**
 * Stable JSON for `--format json`: fixed key order, `format_version`, snake_case keys (like plan and
 * drift). `takeover`: where each recorded takeover of names in production stands; a set whose glue
 * still points at its old servers (or partly) is expected there, so it does not make the document not ok.
 */
export function renderGlueJson(reports: GlueReport[], takeover: TakeoverProgress[] = []): string {
  const doc = {
    format_version: GLUE_JSON_VERSION,
    ok: gluePasses(reports, takeover),
    sets: reports.map((r) => ({
      set: r.set,
      registrar: r.registrar,
      host_zone: r.hostZone,
      parent_zone: r.parentZone,
      verdict: r.verdict,
      blocking: r.blocking,
      where: whereJson(r.where),
      delegation_ns: r.delegationNs,
      domains: (r.domains ?? []).map((d) => ({
        host_zone: d.hostZone,
        parent_zone: d.parentZone,
        where: whereJson(d.where),
        verdict: d.verdict,
        names: d.names,
        delegation_ns: d.delegationNs,
      })),
      names: r.names.map((n) => ({
        name: n.name,
        host_zone: n.hostZone,
        status: n.status,
        ipv4: n.ipv4,
        ipv6: n.ipv6,
        expected: { ipv4: n.expected.ipv4 ?? null, ipv6: n.expected.ipv6 ?? null },
        found: { ipv4: n.found.ipv4, ipv6: n.found.ipv6 },
        stale: n.stale,
        in_delegation: n.inDelegation,
        inconsistent_across_servers: n.inconsistentAcrossServers,
        child: {
          status: n.child.status,
          ipv4: n.child.ipv4,
          ipv6: n.child.ipv6,
          cname: n.child.cname ?? null,
          problems: n.child.problems,
        },
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
        ns_ttl: s.nsTtl ?? null,
        edns_fallback: s.ednsFallback ?? false,
        error: s.error ?? null,
      })),
      child_servers: r.childServers.map((s) => ({
        server: s.server,
        own: s.own,
        answered: s.answered,
        lame: s.lame ?? null,
        error: s.error ?? null,
      })),
      unreachable_parent_servers: r.unreachableParentServers,
      register: r.register.map((g) => ({ name: g.name, ipv4: g.ipv4 ?? null, ipv6: g.ipv6 ?? null })),
      stale: r.stale.map((s) => ({ name: s.name, address: s.address })),
      bounds: r.bounds
        ? {
            queries: r.bounds.queries,
            max_queries: r.bounds.maxQueries,
            deadline_ms: r.bounds.deadlineMs,
            cut_short: r.bounds.cutShort ?? null,
          }
        : null,
      warnings: r.warnings,
    })),
    ...(takeover.length ? { takeover: takeover.map(takeoverJson) } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The zone-file lines of the records to register. */
export function zoneFileLines(r: Pick<GlueReport, 'register'>): string[] {
  const width = Math.max(...r.register.map((g) => g.name.length + 1), 0);
  return r.register.flatMap((g) => [
    ...(g.ipv4 ? [`${`${g.name}.`.padEnd(width)}  IN A     ${g.ipv4}`] : []),
    ...(g.ipv6 ? [`${`${g.name}.`.padEnd(width)}  IN AAAA  ${g.ipv6}`] : []),
  ]);
}

function whereJson(w: Where | undefined): { kind: string; zone: string; parent_zone: string } | null {
  return w ? { kind: w.kind, zone: w.zone, parent_zone: w.parentZone } : null;
}

/** The lead line of the records to publish, worded for where the change is made. */
function lead(w: Where, registrar: GlueReport['registrar'], failed: boolean): string {
  const hosts = 'name server hosts (glue records / child name servers / host records)';
  switch (w.kind) {
    case 'registrar':
      return failed
        ? `At the registrar of ${w.zone}, register these ${hosts}:`
        : `At the registrar of ${w.zone}, make sure these ${hosts} are registered:`;
    case 'cloudflare_zone':
    case 'parent_zone':
    case 'rir':
      return `${capitalise(whereText(w, registrar))}, ${failed ? 'publish' : 'make sure of'} these glue records:`;
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function instructions(r: GlueReport): string[] {
  const out: string[] = [''];
  const domains = r.domains?.length ? r.domains : [{ hostZone: r.hostZone, where: r.where, names: [] as string[] }];
  for (const d of domains) {
    const register: GlueRecord[] = domains.length > 1 ? r.register.filter((g) => d.names.includes(g.name)) : r.register;
    if (register.length === 0) continue;
    const where = d.where ?? { kind: 'registrar' as const, zone: d.hostZone, parentZone: r.parentZone };
    out.push(lead(where, r.registrar, r.verdict === 'failed'));
    const width = Math.max(...register.map((g) => g.name.length));
    for (const g of register)
      out.push(`  ${g.name.padEnd(width)}  IPv4 ${(g.ipv4 ?? '-').padEnd(15)}  IPv6 ${g.ipv6 ?? '-'}`);
    out.push('Zone-file form of the same records (as the parent zone should publish them):');
    out.push(...zoneFileLines({ register }).map((l) => `  ${l}`));
    if (r.registrar === 'cloudflare' && where.kind === 'registrar') {
      out.push(
        `${d.hostZone} uses Cloudflare Registrar: you cannot add glue records yourself there — ` +
          'Cloudflare Support adds glue for domains on Cloudflare Registrar; ' +
          'open a support ticket with the records above.',
      );
    }
  }
  if (r.stale.length > 0)
    out.push(`Remove stale glue addresses: ${r.stale.map((s) => `${s.name} ${s.address}`).join(', ')}`);
  if (r.unreachableParentServers.length > 0)
    out.push(`Parent servers that did not answer: ${r.unreachableParentServers.join(', ')}`);
  if (r.verdict === 'failed' || r.verdict === 'could_not_verify') {
    out.push(
      r.verdict === 'failed'
        ? 'Re-run once the registry publishes the records (or use --glue-wait DURATION to wait for them).'
        : 'To go on: set dns.parent_servers (ACNS_DNS_PARENT_SERVERS) to parent servers this machine can reach, ' +
            'or set policy glue_check: warn.',
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

/** One takeover's progress in the JSON views of `glue` and `drift`. */
export function takeoverJson(p: TakeoverProgress): Record<string, unknown> {
  return {
    set: p.set,
    state: p.state,
    names: p.names.map((n) => ({ name: n.name, state: n.state, repointed_at: n.at ?? null })),
    keep_old_servers_until: p.until ?? null,
    old_servers_may_retire: p.done ?? false,
    found_without_record: p.detected ?? false,
    hold_failures: (p.hold ?? []).map((h) => ({
      zone: h.zone,
      side: h.side,
      status: h.status,
      servers: [...h.servers],
      message: h.message,
    })),
    message: p.message,
  };
}

/** `acns glue`'s text after the reports: each takeover's progress. */
export function renderTakeoverText(progress: TakeoverProgress[]): string {
  if (progress.length === 0) return '';
  const lines = progress.flatMap((p) => [
    `  - ${p.message}\n`,
    ...(p.hold ?? []).map((h) => `    ✗ ${h.status === 'failed' ? 'FAILED' : 'COULD NOT VERIFY'}: ${h.message}\n`),
  ]);
  return `\nTakeover of names in production:\n${lines.join('')}`;
}
