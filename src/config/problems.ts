/**
 * A bounded collection of diagnostics: keeps the first `limit` by position and counts the rest,
 * so a file with a million broken lines costs a counter, not a million messages in memory.
 */
import type { Diagnostic } from './types.js';

/** Problems listed before the rest are only counted. */
export const MAX_PROBLEMS = 1000;

export class Problems {
  private kept: Diagnostic[] = [];
  private seen = 0;
  private duplicates = 0;
  /** The last listed place after a trim: later problems are only counted. */
  private cutoff: Diagnostic | undefined;
  constructor(readonly limit: number = MAX_PROBLEMS) {}

  add(d: Diagnostic): void {
    this.seen++;
    if (!this.wants(d)) return;
    this.kept.push(d);
    // Trimming at twice the limit keeps the work O(n log limit) and the memory O(limit).
    if (this.kept.length >= 2 * this.limit) {
      this.kept = this.kept.sort(byPlace).slice(0, this.limit);
      this.cutoff = this.kept[this.kept.length - 1];
    }
  }

  /**
   * False when a problem at this place (or later) can no longer be among the ones listed: the
   * caller may then `count` it instead of building its message.
   */
  wants(at: Place): boolean {
    return this.cutoff === undefined || byPlace(at, this.cutoff) <= 0;
  }

  addAll(ds: Iterable<Diagnostic>): void {
    for (const d of ds) this.add(d);
  }

  /** Counts a problem that was found but not described (its message would never be shown). */
  count(n: number): void {
    this.seen += n;
  }

  get size(): number {
    return this.seen;
  }

  /** The first `limit` problems by position, and how many more there were. */
  result(): { errors: Diagnostic[]; omitted: number } {
    this.kept = this.sorted();
    const errors = this.kept.slice(0, this.limit);
    return { errors, omitted: Math.max(0, this.seen - this.duplicates - errors.length) };
  }

  /** Exact duplicates (the same message at the same place) are one problem. */
  private sorted(): Diagnostic[] {
    const out = sortDiagnostics(this.kept);
    this.duplicates += this.kept.length - out.length;
    return out;
  }
}

/** Environment problems first, then by line and column; exact duplicates dropped. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds
    .filter((d) => {
      const k = `${d.source ?? ''}\u0000${d.file}\u0000${d.line}\u0000${d.col}\u0000${d.message}`;
      return seen.has(k) ? false : (seen.add(k), true);
    })
    .sort(byPlace);
}

function byPlace(a: Place, b: Place): number {
  return rank(a) - rank(b) || a.line - b.line || a.col - b.col;
}

type Place = { line: number; col: number; source?: 'environment' };

function rank(d: Place): number {
  return d.source === 'environment' ? 0 : 1;
}
