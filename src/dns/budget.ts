/**
 * Bounds for one DNS check, and what a run's checks share. A check (one set's glue, one zone's
 * delegation, one zone's lameness) gets a QueryBudget: an overall deadline that aborts every query
 * still in flight, and a cap on the number of queries it may send — so no DNS check can run
 * unbounded, whatever the network or the delegation graph does.
 */
import { setMaxListeners } from 'node:events';

/** Overall deadline of one check unless the caller sets one. */
export const DEFAULT_DEADLINE_MS = 10_000;
/** Queries one check may send unless the caller sets a cap. */
export const DEFAULT_MAX_QUERIES = 500;
/** Delay before the next server is asked while the previous one has not answered yet. */
export const DEFAULT_STAGGER_MS = 250;

export type BudgetEnd = 'deadline' | 'queries' | 'aborted';

export interface BudgetOptions {
  deadlineMs?: number;
  maxQueries?: number;
  signal?: AbortSignal;
}

export class QueryBudget {
  readonly deadlineMs: number;
  readonly maxQueries: number;
  /** Aborted at the deadline, when the caller's signal aborts, or by dispose(). */
  readonly signal: AbortSignal;
  used = 0;
  ended?: BudgetEnd;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly parent?: AbortSignal;

  constructor(opts: BudgetOptions = {}) {
    this.deadlineMs = Math.max(1, opts.deadlineMs ?? DEFAULT_DEADLINE_MS);
    this.maxQueries = Math.max(1, opts.maxQueries ?? DEFAULT_MAX_QUERIES);
    this.parent = opts.signal;
    // AbortSignal.any follows the caller's signal without adding a listener to it (many checks
    // share one), and the derived signal gets no listener limit: one check has many queries.
    this.signal = opts.signal ? AbortSignal.any([opts.signal, this.controller.signal]) : this.controller.signal;
    setMaxListeners(0, this.signal);
    this.timer = setTimeout(() => {
      this.ended ??= 'deadline';
      this.controller.abort();
    }, this.deadlineMs);
    this.timer.unref?.();
  }

  /** Count one query about to be sent; false when the check may send no more. */
  take(): boolean {
    if (this.signal.aborted) {
      this.ended ??= this.parent?.aborted ? 'aborted' : 'deadline';
      return false;
    }
    if (this.used >= this.maxQueries) {
      this.ended ??= 'queries';
      return false;
    }
    this.used++;
    return true;
  }

  /** Why the check stopped early, for messages; undefined when it was not cut short. */
  reason(): string | undefined {
    if (this.ended === undefined && this.signal.aborted) this.ended = this.parent?.aborted ? 'aborted' : 'deadline';
    switch (this.ended) {
      case 'deadline':
        return `the check did not finish within its deadline of ${seconds(this.deadlineMs)}`;
      case 'queries':
        return `the check reached its cap of ${this.maxQueries} DNS queries`;
      case 'aborted':
        return 'the run was interrupted';
      default:
        return undefined;
    }
  }

  /** Stop the timer and abort whatever is still in flight. */
  dispose(): void {
    clearTimeout(this.timer);
    if (!this.controller.signal.aborted) this.controller.abort();
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; why: string; stop?: boolean };

/**
 * Ask several servers, staggered: the first starts at once, each next one `staggerMs` later or as
 * soon as every running one has failed; the first good answer wins and the others are aborted.
 * `stop: true` on a failure ends the race (e.g. too many answers from an interceptor).
 */
export function firstGood<S, T>(
  items: readonly S[],
  run: (item: S, signal: AbortSignal) => Promise<Attempt<T>>,
  opts: { staggerMs: number; signal?: AbortSignal },
): Promise<{ value?: T; errors: string[]; tried: number }> {
  return new Promise((resolve) => {
    const controllers: AbortController[] = [];
    const errors: string[] = [];
    let next = 0;
    let running = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (value?: T): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const c of controllers) c.abort();
      resolve({ ...(value !== undefined ? { value } : {}), errors, tried: next });
    };
    const launch = (): void => {
      clearTimeout(timer);
      if (done) return;
      if (next >= items.length || opts.signal?.aborted) {
        if (running === 0) finish();
        return;
      }
      const item = items[next++]!;
      running++;
      const c = new AbortController();
      controllers.push(c);
      const signal = opts.signal ? AbortSignal.any([opts.signal, c.signal]) : c.signal;
      run(item, signal).then(
        (r) => settle(r),
        (err: unknown) => settle({ ok: false, why: err instanceof Error ? err.message : String(err) }),
      );
      if (next < items.length) timer = setTimeout(launch, opts.staggerMs);
    };
    const settle = (r: Attempt<T>): void => {
      running--;
      if (done) return;
      if (r.ok) {
        finish(r.value);
        return;
      }
      errors.push(r.why);
      if (r.stop) finish();
      else launch(); // a failure starts the next server at once instead of waiting for the stagger
    };
    launch();
  });
}
