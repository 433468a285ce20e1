/**
 * The check right after a zone's switch (injected into the executor): every address of the set the
 * zone now uses answers its SOA and NS with AA=1, and — when its parent still delegates it to the
 * set it left — every address of that old set still does. Cloudflare does not document whether a
 * set's addresses keep answering for a zone that left the set; this measures it on the first such
 * switch and stops the run when they do not, before more zones are moved the same way.
 */
import { setTimeout as wait } from 'node:timers/promises';
import type { ZoneCheckVerdict, ZoneChecker } from '../apply/types.js';
import type { AccountApi } from '../cloudflare/api.js';
import type { DnsSettings } from '../config/types.js';
import type { LiveNameserver } from '../cloudflare/types.js';
import { checkZoneDelegation } from '../dns/delegation.js';
import { lookupOptions } from '../dns/delegation-reads.js';
import type { Step } from '../plan/types.js';
import { type DnsRun, lameness } from './dns-run.js';

export interface ZoneCheckOptions {
  /** Keep asking for up to this long while the answers are not right (Cloudflare needs a moment). */
  waitMs?: number;
  /** Pauses between attempts (tests pass zeros). */
  sleep?: (ms: number) => Promise<void>;
  /** The clock the wait is measured on (tests pass one their `sleep` advances). */
  now?: () => number;
  /** --allow-unknown-delegation: a zone's delegation that cannot be read does not stop the run. */
  allowUnknownDelegation?: boolean;
}

/** Default: a switch is visible on Cloudflare's servers within seconds; ask for up to 30 s. */
export const ZONE_CHECK_WAIT_MS = 30_000;

/**
 * How long apply keeps asking after a switch: the caller's own wait (tests), else the file's
 * dns.switch_check_seconds (0: ask once), else the default.
 */
export function switchCheckWaitMs(dns: Pick<DnsSettings, 'switchCheckSeconds'>, override?: number): number {
  if (override !== undefined) return override;
  return dns.switchCheckSeconds !== undefined ? dns.switchCheckSeconds * 1000 : ZONE_CHECK_WAIT_MS;
}

export function zoneChecker(api: AccountApi, run: DnsRun, opts: ZoneCheckOptions = {}): ZoneChecker {
  let names: Promise<LiveNameserver[]> | undefined;
  const namesOf = async (set: number): Promise<LiveNameserver[]> => {
    names ??= api.listNameservers();
    let list = (await names).filter((n) => n.set === set);
    if (list.some((n) => !n.ipv4 && !n.ipv6) || list.length === 0) {
      names = api.listNameservers(); // names created in this run
      list = (await names).filter((n) => n.set === set);
    }
    return list;
  };
  const sleep = opts.sleep ?? ((ms: number) => wait(ms));
  const waitMs = opts.waitMs ?? ZONE_CHECK_WAIT_MS;
  const pause = { sleep, now: opts.now ?? Date.now };
  return async (step: Step) => {
    if (!run.on || step.kind !== 'assign_zone') return undefined;
    const before = step.before as { type?: string; set?: number } | null;
    const after = step.after as { type?: string; set?: number } | null;
    const to = after?.type === 'custom.account' ? (after.set ?? 1) : undefined;
    const from = before?.type === 'custom.account' ? (before.set ?? 1) : undefined;
    if (to === undefined && from === undefined) return undefined;
    const problems: string[] = [];
    let verdict: ZoneCheckVerdict['verdict'] = 'ok';
    const worse = (v: ZoneCheckVerdict['verdict']): void => {
      if (v === 'failed' || (v === 'could_not_verify' && verdict === 'ok')) verdict = v;
    };
    if (to !== undefined) {
      const set = await namesOf(to);
      const r = await untilOk(() => lameness(step.target, addressesOf(set), nameList(set), run, true), waitMs, pause);
      worse(r.status);
      problems.push(...r.problems.map((p) => `set ${to}: ${p}`));
    }
    if (from !== undefined) {
      const old = await namesOf(from);
      const oldNames = old.map((n) => n.name);
      const d = await checkZoneDelegation(step.target, oldNames, lookupOptions(run.dns));
      const stillListed = d.nameservers.filter((n) => oldNames.includes(n));
      if (d.status === 'unknown') {
        if (!opts.allowUnknownDelegation) worse('could_not_verify');
        problems.push(`could not read ${step.target}'s delegation (${d.detail})`);
      } else if (stillListed.length > 0) {
        // the zone left the set: only authority matters here, its apex NS now name the new set
        const r = await untilOk(() => lameness(step.target, addressesOf(old), oldNames, run, false), waitMs, pause);
        worse(r.status);
        for (const p of r.problems)
          problems.push(`set ${from} (its parent still lists ${stillListed.join(', ')}): ${p}`);
      }
    }
    const message =
      verdict === 'ok'
        ? 'answers with authority on every address of its set'
        : `it does not answer as it should (${problems.slice(0, 3).join('; ')})`;
    return { verdict, blocking: verdict !== 'ok', message, problems };
  };
}

function addressesOf(set: LiveNameserver[]): string[] {
  return set.flatMap((n) => [n.ipv4, n.ipv6]).filter((a): a is string => Boolean(a));
}

function nameList(set: LiveNameserver[]): string[] {
  return set.map((n) => n.name);
}

async function untilOk<T extends { status: string }>(
  attempt: () => Promise<T>,
  waitMs: number,
  { sleep, now }: { sleep: (ms: number) => Promise<void>; now: () => number },
): Promise<T> {
  const start = now();
  let delay = 1000;
  for (;;) {
    const r = await attempt();
    if (r.status === 'ok' || now() - start + delay > waitMs) return r;
    await sleep(delay);
    delay = Math.min(delay * 2, 8000);
  }
}
