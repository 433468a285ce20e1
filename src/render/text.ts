/**
 * The plan as terminal text, Terraform-like: unsafe reasons and cautions first, then steps in execution order
 * (`+` create, `-` delete, `~` change, `?` check) with the reason and `file:line` under each, then
 * what the file does not manage, ending in the `Plan: …` line. Read-only over the Plan.
 */
import pc from 'picocolors';
import { count } from '../config/words.js';
import { describeValue } from '../plan/describe.js';
import { splitNotes } from '../plan/notes.js';
import { OVERRIDE_FLAG, type Plan, type Step, type StepKind, type Takeover } from '../plan/types.js';

export interface TextOptions {
  colour: boolean;
}

export const SYMBOL: Record<StepKind, string> = {
  create_nameserver: '+',
  delete_nameserver: '-',
  assign_zone: '~',
  set_account_default: '~',
  glue_check: '?',
};

export function renderPlanText(plan: Plan, opts: TextOptions): string {
  const c = pc.createColors(opts.colour);
  const out: string[] = [];
  out.push(c.bold(`acns plan for account ${plan.accountId || '(unknown)'} from ${plan.configFile}`));
  if (plan.zoneFilter)
    out.push(`Restricted to zone${plan.zoneFilter.length === 1 ? '' : 's'}: ${plan.zoneFilter.join(', ')}`);
  out.push('');
  if (!plan.safe) {
    out.push(
      c.red(
        c.bold(
          `UNSAFE: apply will refuse this plan (${plan.guards.length} guard${plan.guards.length === 1 ? '' : 's'}):`,
        ),
      ),
    );
    for (const g of plan.guards) {
      out.push(c.red(`  ✗ [${g.kind}] ${g.message}`));
      if (g.override) out.push(`      override: acns apply ${OVERRIDE_FLAG[g.override]}`);
    }
    out.push('');
  }
  const { cautions, notes } = splitNotes(plan.notes);
  if (cautions.length > 0) {
    out.push(c.yellow(c.bold('Caution — apply carries this plan out, but it affects resolution meanwhile:')));
    for (const n of cautions) out.push(c.yellow(`  ! ${n}`));
    out.push('');
  }
  if (plan.steps.length > 0) {
    out.push('Steps, in execution order:');
    out.push('');
    const colourOf = { '+': c.green, '-': c.red, '~': c.yellow, '?': c.cyan } as Record<string, (s: string) => string>;
    for (const s of plan.steps) {
      const sym = SYMBOL[s.kind];
      const tag = s.class === 'drift' ? c.magenta(' [drift]') : '';
      out.push(`  ${colourOf[sym](`${sym} ${s.kind} ${s.target}`)}  ${change(s)}${tag}`);
      out.push(c.dim(`      why: ${reasonWithSource(s)}`));
      if (s.dependsOn.length > 0) out.push(c.dim(`      after: ${compactDeps(s.dependsOn)}`));
    }
    out.push('');
  }
  for (const t of plan.takeover ?? []) out.push(...takeoverBlock(t), '');
  if (plan.unmanaged.nameservers.length + plan.unmanaged.zones.length > 0) {
    out.push(`Not managed by ${plan.configFile} (left alone):`);
    for (const n of plan.unmanaged.nameservers)
      out.push(`  nameserver ${n.name} (set ${n.set}) — add it to the file, or set policy.prune: true to delete it`);
    for (const z of plan.unmanaged.zones)
      out.push(`  zone ${z.name} uses ${describeValue(z.nameservers)}, a set this plan changes`);
    out.push('');
  }
  if (notes.length > 0) {
    out.push('Notes:');
    for (const n of notes) out.push(`  - ${n}`);
    out.push('');
  }
  out.push(c.bold(planLine(plan)));
  return `${out.join('\n')}\n`;
}

/** The safe order of a takeover: what apply does, then what the user does after it. */
function takeoverBlock(t: Takeover): string[] {
  const { title, steps } = takeoverOrder(t);
  return [title, ...steps.map((s, i) => `  ${i + 1}. ${s}`)];
}

/** A takeover's heading and its steps in order, shared by the text and Markdown views. */
export function takeoverOrder(t: Takeover): { title: string; steps: string[] } {
  const names = t.names.map((n) => n.name).join(', ');
  const old = [...new Set(t.names.flatMap((n) => n.old))].sort().join(', ');
  return {
    title: `Takeover of set ${t.set} (${names}): the zones are delegated to these names today, served by ${old}:`,
    steps: [
      `create the names; ${t.checkStep} proves ${old} still answer ${t.zones.join(', ')} with authority`,
      `switch the zones (${compactDeps(t.after)}); Cloudflare then answers for them under the same names`,
      `after apply, ${t.where}: re-point the glue of ${names} (and their A/AAAA records) to Cloudflare's addresses`,
      `keep ${old} answering with authority for ${t.glueTtl} s after that (the glue TTL); ` +
        '`acns glue` says until when',
    ],
  };
}

/** "Plan: 2 to create, 3 to change, 1 to delete, 1 check." or "No changes. Live account matches acns.yaml." */
export function planLine(plan: Plan): string {
  const held = plan.held?.length ?? 0;
  if (plan.steps.length === 0 && held > 0)
    return `No changes in this run: ${held} deletion${held === 1 ? ' is' : 's are'} held (see the notes above).`;
  if (plan.steps.length === 0) return `No changes. Live account matches ${plan.configFile}.`;
  const { create, change, delete: del, checks } = plan.summary;
  return `Plan: ${create} to create, ${change} to change, ${del} to delete, ${count(checks, 'check')}.`;
}

/** "standard nameservers → set 1", "(set 2)", "names: ns1…, ns2…" */
export function change(s: Step): string {
  switch (s.kind) {
    case 'create_nameserver':
      return `(${describeValue(s.after)})`;
    case 'delete_nameserver':
      return `(${describeValue(s.before)})`;
    case 'glue_check':
      return s.after !== null && 'names' in s.after ? `(${s.after.names.join(', ')})` : '';
    default:
      return `${describeValue(s.before)} → ${describeValue(s.after)}`;
  }
}

export function reasonWithSource(s: Step): string {
  return s.source && !s.reason.includes(s.source) ? `${s.reason} (${s.source})` : s.reason;
}

/** Up to three step ids, then a count: "glue_check:1, create_nameserver:ns1.example.com +3 more". */
export function compactDeps(ids: readonly string[], max = 3): string {
  const shown = ids.slice(0, max).join(', ');
  return ids.length > max ? `${shown} +${ids.length - max} more` : shown;
}
