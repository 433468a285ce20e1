/**
 * The drift report in three forms: terminal text, a JSON document for alerting systems, and a
 * Markdown issue body (marker `<!-- acns-drift -->`, same size budget as plan comments). Unmanaged
 * objects and zones whose parent still delegates them elsewhere are information in all three.
 */
import pc from 'picocolors';
import { describeValue } from '../plan/describe.js';
import type { DriftDelegation, DriftDnsFinding, DriftItem, DriftReport, DriftValue } from '../plan/drift.js';
import { MARKDOWN_BUDGET } from './markdown.js';
import { takeoverJson } from '../dns/render.js';

export const DRIFT_MARKER = '<!-- acns-drift -->';
export const DRIFT_FORMAT_VERSION = 1;

export interface DriftDocument {
  format_version: 1;
  tool: { name: 'acns'; version: string };
  created_at: string;
  account_id: string;
  config: { file: string; digest: string };
  has_drift: boolean;
  items: {
    key: string;
    kind: DriftItem['kind'];
    object: string;
    live: DriftValue;
    desired: DriftValue;
    source: string | null;
    message: string;
  }[];
  unmanaged: DriftReport['unmanaged'];
  /** null: not checked (policy.glue_check: off). */
  delegation:
    | { zone: string; status: DriftDelegation['status']; nameservers: string[]; expected: string[]; detail: string }[]
    | null;
  /** DNS checks that did not pass (glue, lameness, referral); absent: not checked. */
  dns_checks?: {
    check: DriftDnsFinding['check'];
    subject: string;
    status: DriftDnsFinding['status'];
    problems: string[];
  }[];
  /** Recorded takeovers of names in production and where each stands; absent when none. */
  takeover?: Record<string, unknown>[];
}

export function renderDriftText(r: DriftReport, opts: { colour: boolean }): string {
  const c = pc.createColors(opts.colour);
  const out = [c.bold(`acns drift for account ${r.accountId || '(unknown)'} against ${r.configFile}`), ''];
  if (r.items.length > 0) {
    out.push(
      `${r.items.length} difference${r.items.length === 1 ? '' : 's'} between the live account and ${r.configFile}:`,
      '',
    );
    for (const i of r.items) {
      out.push(`  ${c.yellow('~')} ${i.object}`);
      out.push(`      live:    ${value(i.live)}`);
      out.push(`      desired: ${value(i.desired)}${i.source ? c.dim(`  (${i.source})`) : ''}`);
    }
    out.push('');
  }
  out.push(...unmanagedText(r));
  out.push(...delegationText(r));
  out.push(...dnsCheckText(r));
  out.push(...takeoverText(r));
  out.push(
    c.bold(
      r.hasDrift
        ? `Drift: ${r.items.length} difference${r.items.length === 1 ? '' : 's'}. Run acns plan to see how they ` +
            `would be undone.`
        : `No drift. Live account matches ${r.configFile}.`,
    ),
  );
  return `${out.join('\n')}\n`;
}

export function driftToDocument(r: DriftReport, meta: { toolVersion: string; createdAt: string }): DriftDocument {
  return {
    format_version: 1,
    tool: { name: 'acns', version: meta.toolVersion },
    created_at: meta.createdAt,
    account_id: r.accountId,
    config: { file: r.configFile, digest: r.configDigest },
    has_drift: r.hasDrift,
    items: r.items.map((i) => ({
      key: i.key,
      kind: i.kind,
      object: i.object,
      live: i.live,
      desired: i.desired,
      source: i.source ?? null,
      message: i.message,
    })),
    unmanaged: r.unmanaged,
    delegation:
      r.delegation?.map((d) => ({
        zone: d.zone,
        status: d.status,
        nameservers: [...d.nameservers],
        expected: [...d.expected],
        detail: d.detail,
        ...(d.where ? { where: d.where } : {}),
      })) ?? null,
    ...(r.dnsChecks ? { dns_checks: r.dnsChecks.map((f) => ({ ...f, problems: [...f.problems] })) } : {}),
    ...(r.takeover?.length ? { takeover: r.takeover.map(takeoverJson) } : {}),
  };
}

export function renderDriftJson(r: DriftReport, meta: { toolVersion: string; createdAt: string }): string {
  return `${JSON.stringify(driftToDocument(r, meta), null, 2)}\n`;
}

export function renderDriftMarkdown(r: DriftReport, opts: { budget?: number } = {}): string {
  const budget = opts.budget ?? MARKDOWN_BUDGET;
  const head = [
    DRIFT_MARKER,
    `### acns drift · \`${r.configFile}\``,
    '',
    r.hasDrift
      ? `⚠️ **${r.items.length} difference${r.items.length === 1 ? '' : 's'}** between the live account ` +
        `\`${r.accountId}\` and \`${r.configFile}\`.`
      : `✅ **No drift.** Live account matches \`${r.configFile}\`.`,
    '',
  ];
  const rows = r.items.map((i) => `| ${i.object} | ${value(i.live)} | ${value(i.desired)} | ${i.source ?? '—'} |`);
  const table = rows.length ? ['| Object | Live | Desired | Source |', '|---|---|---|---|'] : [];
  const info = [...unmanagedText(r), ...delegationText(r), ...dnsCheckText(r), ...takeoverText(r)].map((l) =>
    l.replace(/^ {2}/, '- '),
  );
  let used = size(head) + size(table) + 300;
  const kept: string[] = [];
  for (const row of rows) {
    if (used + row.length + 1 > budget * 0.85) break;
    kept.push(row);
    used += row.length + 1;
  }
  const out = [...head, ...table, ...kept];
  if (kept.length < rows.length)
    out.push(
      '',
      `_… ${rows.length - kept.length} more differences cut to stay under GitHub's size limit; run \`acns drift ` +
        `--format json\` for all of them._`,
    );
  out.push('');
  for (const l of info) {
    if (used + l.length + 1 > budget - 200) {
      out.push('_… more information cut to stay under the size limit._');
      break;
    }
    out.push(l);
    used += l.length + 1;
  }
  return `${out.join('\n')}\n`;
}

function unmanagedText(r: DriftReport): string[] {
  const { nameservers, zones } = r.unmanaged;
  if (nameservers.length + zones.length === 0) return [];
  return [
    `Not managed by ${r.configFile} (information):`,
    ...nameservers.map((n) => `  nameserver ${n.name} (set ${n.set})`),
    ...zones.map((z) => `  zone ${z.name} uses ${describeValue(z.nameservers)}`),
    '',
  ];
}

function delegationText(r: DriftReport): string[] {
  const list = r.delegation ?? [];
  if (list.length === 0) return [];
  return ['Delegation at the parent zone (information, not drift):', ...list.map((d) => `  ${delegationLine(d)}`), ''];
}

function dnsCheckText(r: DriftReport): string[] {
  const list = r.dnsChecks ?? [];
  if (list.length === 0) return [];
  const what = { glue: 'glue', lameness: 'servers', referral: 'referral', takeover: 'takeover hold' };
  return [
    'DNS checks that did not pass (information, not drift):',
    ...list.map(
      (f) =>
        `  [${what[f.check]}] ${f.check === 'glue' ? f.subject : `zone ${f.subject}`}: ` +
        `${f.status === 'failed' ? 'failed' : 'could not verify'} — ` +
        `${f.problems.slice(0, 3).join('; ') || 'no detail'}`,
    ),
    '',
  ];
}

function takeoverText(r: DriftReport): string[] {
  const list = r.takeover ?? [];
  if (list.length === 0) return [];
  return ['Takeover of names in production (information, not drift):', ...list.map((p) => `  ${p.message}`), ''];
}

function delegationLine(d: DriftDelegation): string {
  if (d.status === 'unknown') return `zone ${d.zone}: could not read its delegation from DNS (${d.detail})`;
  const today = d.nameservers.length
    ? `its parent still delegates it to ${d.nameservers.join(', ')}`
    : `its parent zone does not delegate it (${d.detail})`;
  const next = `next step ${d.where ?? 'at your registrar'}: set NS to ${d.expected.join(', ')}`;
  return `zone ${d.zone} uses its custom set, but ${today}: ${next}`;
}

function value(v: DriftValue): string {
  return v === null ? '(absent)' : describeValue(v);
}

function size(lines: string[]): number {
  return lines.reduce((n, l) => n + l.length + 1, 0);
}
