/**
 * What carrying out a plan produced: one StepResult per plan step (in plan order), why the run
 * stopped early if it did, and the exit code the CLI should use. Plain data only; rendered by
 * render/apply.ts, written to the journal by apply/journal.ts.
 */
import type { GlueExpectation, Step, StepKind, StepValue } from '../plan/types.js';

/** Documented default: `.acns/journal.jsonl` under the working directory. */
export const DEFAULT_JOURNAL_PATH = '.acns/journal.jsonl';

/**
 * - done: carried out by this run
 * - already_done: the live object already had the planned value (resume), or a glue check whose
 *   dependents were all already done
 * - failed: the call (or the glue check in `enforce`) failed
 * - skipped: a dependency failed or was skipped
 * - not_attempted: the run stopped early (account-wide failure or interrupt)
 */
export type StepOutcome = 'done' | 'already_done' | 'failed' | 'skipped' | 'not_attempted';

export interface StepError {
  code: string; // AcnsError code ('glue_check_failed', 'cloudflare_api', …)
  message: string;
  cfCodes?: number[]; // Cloudflare's error codes, when the API sent some
  status?: number; // HTTP status, when there was a response
  hint?: string; // what to do (the AcnsError's hint)
}

export interface StepResult {
  id: string;
  kind: StepKind;
  target: string;
  outcome: StepOutcome;
  durationMs?: number;
  error?: StepError;
  /** The glue report of a glue_check step (whatever the injected checker returned). */
  glue?: unknown;
  /** assign_zone: what the injected zone checker found right after the switch. */
  zoneCheck?: ZoneCheckVerdict;
  /** skipped only: the failed step ids at the root of the skip. */
  blockedBy?: string[];
  /**
   * Why a step the run carried out counts as already done (a name another run created meanwhile), or
   * why a glue check that did not pass let its zones go (a takeover of names in production).
   */
  note?: string;
}

/** zone_check: a zone did not resolve as it should right after its switch; no new step was started. */
export type StoppedBy = 'account_wide' | 'interrupted' | 'stale' | 'zone_check';

export interface ApplyResult {
  results: StepResult[]; // plan order
  stoppedBy?: StoppedBy;
  exitCode: 0 | 1 | 3 | 130;
  counts: Record<StepOutcome, number>;
  /** What changed during the run and stopped it (re-checks before deletions and glue checks). */
  stale?: StaleObject[];
}

/** The minimum the executor needs from a glue report (src/dns/glue.ts's GlueReport fits). */
export interface GlueVerdict {
  blocking: boolean;
  verdict: string; // 'ok' | 'failed' | 'not_visible' | 'could_not_verify'
}

/** Injected so apply never imports dns/: the CLI passes `(exp) => checkSetGlue(exp, opts)`. */
export type GlueChecker = (exp: GlueExpectation) => Promise<GlueVerdict>;

/**
 * Injected like the glue checker: for a glue check the plan marks as a takeover (reason glue_takeover)
 * whose glue does not pass, proves from DNS as it is now that the zones waiting for it are delegated
 * to the set's names and that the old servers the glue points at still answer each with authority.
 */
export type TakeoverChecker = (
  step: Step,
  exp: GlueExpectation,
  report: GlueVerdict,
) => Promise<{ ok: boolean; message: string }>;

/**
 * What a check right after a zone's switch found: the set's addresses answer for the zone with
 * authority (and, when its parent still names the set it left, so do that set's addresses).
 */
export interface ZoneCheckVerdict {
  verdict: 'ok' | 'failed' | 'could_not_verify';
  blocking: boolean;
  message: string; // one line for the step's outcome
  problems: string[];
}

/** Injected like the glue checker: called after each assign_zone step that succeeded. */
export type ZoneChecker = (step: Step) => Promise<ZoneCheckVerdict | undefined>;

/** A changed object: a step's target, or a fact the plan rests on (a precondition). */
export type StaleObject = StaleStep | StaleFact;

/** An object whose live value is neither the plan's `before` nor its `after`. */
export interface StaleStep {
  stepId: string;
  target: string;
  planned: StepValue; // the step's `before`
  current: StepValue; // what the account holds now (null: absent)
}

/** A precondition that changed: the names of a set, the zones on it, the account default, a zone's id. */
export interface StaleFact {
  object: string; // 'names of set 2', 'zones on set 2', 'account default', 'zone example.org'
  planned: string; // in words
  current: string; // in words
  steps: string[]; // the steps that relied on it
}

export interface StalenessReport {
  stale: StaleObject[];
  alreadyDone: string[]; // step ids whose target already equals `after`
}
