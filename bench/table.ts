/**
 * The benchmark's printed form: a plain-text table (also valid Markdown) of every scenario, and
 * the list of target checks under it.
 */
import { ratioToBound } from './bound.js';
import type { ScenarioResult } from './types.js';

export const TABLE_COLUMNS = [
  'scenario',
  'requests',
  'expected',
  '429s',
  'wall',
  'CPU',
  'start-up',
  'floor',
  'ratio',
  'peak RSS',
] as const;

/** What bound a scenario, when it is not latency: " (window)", " (per-IP)". */
function boundNote(limitedBy: ScenarioResult['limitedBy']): string {
  return limitedBy === undefined || limitedBy === 'latency' ? '' : ` (${limitedBy})`;
}

/** wall ÷ floor; for a whole process, what is left after its start-up ÷ floor. */
export function scenarioRatio(r: ScenarioResult): number | undefined {
  return ratioToBound(r.wallMs - (r.startupMs ?? 0), r.lowerBoundMs);
}

/** One row of cells per scenario, in TABLE_COLUMNS order. */
export function tableRows(results: ScenarioResult[]): string[][] {
  const opt = (v: number | undefined, f: (n: number) => string) => (v === undefined || Number.isNaN(v) ? '—' : f(v));
  return results.map((r) => [
    r.title,
    opt(r.requests, String),
    opt(r.expectedRequests, (n) => `= ${n}`),
    opt(r.rateLimited, String),
    formatMs(r.wallMs),
    opt(r.cpuMs, formatMs),
    opt(r.startupMs, formatMs),
    r.lowerBoundMs === undefined ? '—' : `${formatMs(r.lowerBoundMs)}${boundNote(r.limitedBy)}`,
    formatRatio(scenarioRatio(r)),
    formatBytes(r.peakRssBytes),
  ]);
}

/** A Markdown table: header, separator (numbers right-aligned), rows padded to equal widths. */
export function renderTable(results: ScenarioResult[]): string {
  const header = [...TABLE_COLUMNS] as string[];
  const rows = tableRows(results);
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(c, widths[i] as number, i > 0)).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i > 0 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return `${[line(header), sep, ...rows.map(line)].join('\n')}\n`;
}

/** Every target check, ✓ or ✗, grouped by scenario. */
export function renderChecks(results: ScenarioResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    for (const c of r.checks) out.push(`${c.ok ? '✓' : '✗'} ${r.id}: ${c.what}${c.detail ? ` — ${c.detail}` : ''}`);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** 850 ms, 3.42 s, 61.0 s, 20.1 min */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 600_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** 1.04×, or — without a bound */
export function formatRatio(r: number | undefined): string {
  return r === undefined ? '—' : `${r.toFixed(2)}×`;
}

/** Whole megabytes (MiB). */
export function formatBytes(b: number): string {
  return `${Math.round(b / (1024 * 1024))} MB`;
}

/** Display width: code points, so '≤' and '—' count as one column. */
function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}
