/**
 * The plan as a pull-request comment: a hidden marker so the comment is updated in place, a one-line
 * verdict, a summary table, unsafe and destructive changes first, per-step details in <details>,
 * glue records to register, and a hard size budget below GitHub's 65,536-character limit: long
 * lists are cut with a count and the comment says what was cut. Read-only over the Plan.
 */
import { describeValue } from '../plan/describe.js';
import { splitNotes } from '../plan/notes.js';
import { type GlueExpectation, OVERRIDE_FLAG, type Plan, type Step } from '../plan/types.js';
import { SYMBOL, change, planLine, reasonWithSource, takeoverOrder } from './text.js';

export const PLAN_MARKER = '<!-- acns-plan -->';
export const MARKDOWN_BUDGET = 65_000;

export interface MarkdownOptions {
  /** Total characters allowed (tests use small budgets); default MARKDOWN_BUDGET. */
  budget?: number;
}

export function renderPlanMarkdown(plan: Plan, opts: MarkdownOptions = {}): string {
  const budget = opts.budget ?? MARKDOWN_BUDGET;
  const head = [
    PLAN_MARKER,
    `### acns plan · \`${esc(plan.configFile)}\``,
    '',
    verdict(plan),
    '',
    ...summaryTable(plan),
    '',
    meta(plan),
    '',
  ];
  const unsafe = plan.safe
    ? []
    : [
        '#### ⛔ Unsafe — `acns apply` will refuse this plan',
        '',
        ...plan.guards.map(
          (g) =>
            `- **${g.kind}**: ${esc(g.message)}${g.override ? ` (override: \`${OVERRIDE_FLAG[g.override]}\`)` : ''}`,
        ),
        '',
      ];
  const { cautions, notes } = splitNotes(plan.notes);
  const caution = cautions.length
    ? ['#### ⚠️ Caution — resolution meanwhile', '', ...cautions.map((n) => `- ${esc(n)}`), '']
    : [];
  const deletes = plan.steps.filter((s) => s.kind === 'delete_nameserver' || isDisable(s));
  // a takeover's glue is re-pointed after apply, not published before the switches
  const takenOver = new Set((plan.takeover ?? []).map((t) => t.set));
  const glue = [...takeoverSection(plan), ...glueSection(plan.glue.filter((g) => !takenOver.has(g.set)))];
  const tail = [
    ...unmanagedLines(plan),
    ...(notes.length ? ['#### Notes', '', ...notes.map((n) => `- ${esc(n)}`), ''] : []),
    `_${planLine(plan)}_`,
  ];

  // Fixed parts first; lists share what is left, destructive changes before the step details.
  const fixed = size(head) + size(glue) + 400;
  let room = budget - fixed;
  const unsafeFit = fitLines([...unsafe, ...caution], Math.floor(room * 0.3), 'guards and cautions');
  room -= size(unsafeFit);
  const destructive = deletes.length
    ? [
        '#### Destructive changes',
        '',
        ...deletes.map(
          (s) =>
            `- \`${SYMBOL[s.kind]}\` ${s.kind} **${esc(s.target)}** ${esc(change(s))} — ${esc(reasonWithSource(s))}`,
        ),
        '',
      ]
    : [];
  const destructiveFit = fitLines(destructive, Math.floor(room * 0.3), 'destructive changes');
  room -= size(destructiveFit);
  const tailFit = fitLines(tail, Math.min(size(tail), Math.floor(room * 0.2)), 'unmanaged objects and notes', true);
  room -= size(tailFit);
  const details = plan.steps.length ? stepDetails(plan.steps, room) : [];
  return `${[...head, ...unsafeFit, ...destructiveFit, ...glue, ...details, ...tailFit].join('\n')}\n`;
}

function verdict(plan: Plan): string {
  if (!plan.safe) {
    const n = plan.guards.length;
    return `⛔ **Unsafe plan** — ${n} guard${n === 1 ? '' : 's'} failed; ${planLine(plan)}`;
  }
  const held = plan.held?.length ?? 0;
  if (plan.steps.length === 0 && held > 0)
    return `✅ **No changes in this run:** ${held} deletion${held === 1 ? ' is' : 's are'} held (see the notes).`;
  if (plan.steps.length === 0) return `✅ **No changes.** Live account matches \`${esc(plan.configFile)}\`.`;
  return `⚠️ **Changes:** ${planLine(plan).replace(/^Plan: /, '')}`;
}

function summaryTable(plan: Plan): string[] {
  const { create, change: ch, delete: del, checks } = plan.summary;
  const drift = plan.steps.filter((s) => s.class === 'drift').length;
  return [
    '| Create | Change | Delete | Checks | Drift | Guards |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${create} | ${ch} | ${del} | ${checks} | ${drift} | ${plan.guards.length} |`,
  ];
}

function meta(plan: Plan): string {
  const parts = [
    `account \`${plan.accountId || 'unknown'}\``,
    `config digest \`${plan.configDigest.slice(0, 19)}…\``,
    `endpoints \`${plan.endpoints}\``,
    `glue check \`${plan.gluePolicy}\``,
  ];
  if (plan.zoneFilter) parts.push(`restricted to ${plan.zoneFilter.map((z) => `\`${z}\``).join(', ')}`);
  return `<sub>${parts.join(' · ')}</sub>`;
}

/** Each takeover's safe order, as the text view shows it: the glue is re-pointed only after apply. */
function takeoverSection(plan: Plan): string[] {
  return (plan.takeover ?? []).flatMap((t) => {
    const { title, steps } = takeoverOrder(t);
    return [`#### ${esc(title.replace(/:$/, ''))}`, '', ...steps.map((s, i) => `${i + 1}. ${esc(s)}`), ''];
  });
}

function glueSection(glue: GlueExpectation[]): string[] {
  if (glue.length === 0) return [];
  const out = ['#### Glue to publish before zones switch', ''];
  for (const g of glue) {
    const who =
      g.registrar === 'cloudflare'
        ? 'Cloudflare Registrar: ask Cloudflare Support to add these glue records'
        : 'register these glue records at the registrar';
    out.push(`**Set ${g.set}**${g.hostZone ? ` (names in \`${g.hostZone}\`)` : ''} — ${who}:`, '', '```');
    for (const n of g.names) {
      if (!n.ipv4 && !n.ipv6) out.push(`${n.name}.  A/AAAA  (assigned by Cloudflare when the name is created)`);
      if (n.ipv4) out.push(`${n.name}.  IN  A     ${n.ipv4}`);
      if (n.ipv6) out.push(`${n.name}.  IN  AAAA  ${n.ipv6}`);
    }
    out.push('```', '');
  }
  return out;
}

function stepDetails(steps: Step[], room: number): string[] {
  const header = [
    `<details><summary>${steps.length} step${steps.length === 1 ? '' : 's'} in execution order</summary>`,
    '',
    '| # | | Step | Target | Change | Why | After |',
    '|---:|---|---|---|---|---|---|',
  ];
  const footer = ['', '</details>', ''];
  const rows = steps.map((s, i) => {
    const deps =
      s.dependsOn.length === 0
        ? ''
        : s.dependsOn.length <= 2
          ? s.dependsOn.map((d) => `\`${d}\``).join(', ')
          : `\`${s.dependsOn[0]}\` +${s.dependsOn.length - 1}`;
    const drift = s.class === 'drift' ? ' **drift**' : '';
    return (
      `| ${i + 1} | \`${SYMBOL[s.kind]}\` | ${s.kind} | ${esc(s.target)} | ${esc(change(s))}${drift} | ` +
      `${esc(reasonWithSource(s))} | ${deps} |`
    );
  });
  const fit = fitLines(rows, room - size(header) - size(footer) - 200, 'steps');
  return [...header, ...fit, ...footer];
}

function unmanagedLines(plan: Plan): string[] {
  const { nameservers, zones } = plan.unmanaged;
  if (nameservers.length + zones.length === 0) return [];
  return [
    `#### Not managed by \`${esc(plan.configFile)}\` (left alone)`,
    '',
    ...nameservers.map((n) => `- nameserver \`${n.name}\` (set ${n.set})`),
    ...zones.map((z) => `- zone \`${z.name}\` uses ${describeValue(z.nameservers)}, a set this plan changes`),
    '',
  ];
}

/** Keeps whole lines while they fit in `max` characters; says how many were cut. */
function fitLines(lines: string[], max: number, what: string, keepLast = false): string[] {
  if (size(lines) <= max) return lines;
  const last = keepLast ? lines[lines.length - 1] : undefined;
  const body = keepLast ? lines.slice(0, -1) : lines;
  const out: string[] = [];
  let used = (last?.length ?? 0) + 160;
  for (const l of body) {
    if (used + l.length + 1 > max) break;
    out.push(l);
    used += l.length + 1;
  }
  const cut = body.length - out.length;
  const table = out.length > 0 && out[out.length - 1].startsWith('|');
  out.push(
    `${table ? '\n' : ''}_… ${cut} more line${cut === 1 ? '' : 's'} of ${what} cut to stay under GitHub's comment ` +
      `limit; run \`acns show plan.json\` for the full plan._`,
  );
  if (last !== undefined) out.push(last);
  return out;
}

function isDisable(s: Step): boolean {
  return (
    s.kind === 'assign_zone' &&
    s.before !== null &&
    'type' in s.before &&
    s.before.type === 'custom.account' &&
    s.after !== null &&
    'type' in s.after &&
    s.after.type !== 'custom.account'
  );
}

function size(lines: string[]): number {
  return lines.reduce((n, l) => n + l.length + 1, 0);
}

function esc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');
}
