/**
 * The hold of a takeover, after apply switched its zones: resolvers may keep the names' old glue
 * for the glue TTL after it is re-pointed, and follow the new glue as soon as they see it, so both
 * the old servers and Cloudflare's addresses must answer each zone with authority until the hold is
 * over. Also finding a takeover from DNS alone when apply's record is missing (a fresh CI checkout):
 * zones of the file on the set delegated to its names, glue pointing elsewhere — the plan's test.
 * Pure: `acns glue` and `acns drift` ask DNS and pass the answers in.
 */
import {
  explainedSets,
  glueTtlOf,
  type HoldFinding,
  type NameSighting,
  oldAddresses,
  type TakeoverProgress,
  type TakeoverRecord,
  type TakeoverZone,
} from './takeover.js';

/** A zone of the file on a set, as its parent delegates it now. */
export interface DelegatedZone {
  zone: string;
  nameservers: string[];
  glue?: TakeoverZone['glue'];
  nsTtl?: number;
}

/** What one side's servers answered for one zone of a takeover (a lameness check). */
export interface HoldRead {
  zone: string;
  side: HoldFinding['side'];
  status: 'ok' | 'failed' | 'could_not_verify';
  /** Addresses that answered without authority or not at all. */
  servers: string[];
  problems: string[];
}

/**
 * A takeover found from DNS without apply's record: undefined unless some zone of the set is
 * delegated to its names and some name's glue points at other servers. First sightings count from
 * `at`: nothing earlier is known.
 */
export function detectTakeover(
  set: number,
  sightings: NameSighting[],
  zones: DelegatedZone[],
  place: { hostZone: string; nsTtl?: number },
  at: Date,
): TakeoverRecord | undefined {
  const names = sightings.map((s) => s.name).sort();
  const own = new Set(names);
  const mine = zones.filter((z) => z.nameservers.some((n) => own.has(n)));
  if (mine.length === 0) return undefined;
  const old = oldAddresses(
    sightings,
    mine.map((z) => ({ glue: z.glue ?? [] })),
  );
  if (!old) return undefined;
  return {
    set,
    hostZone: place.hostZone,
    names: names.map((name) => ({ name, old: old.get(name) ?? [] })),
    zones: mine.map((z) => z.zone).sort(),
    detectedAt: at.toISOString(),
    glueTtl: glueTtlOf({ zones: mine }, place),
    repointed: [],
  };
}

/** The old servers must answer until the hold is over (a recorded sighting older than the glue TTL). */
export function holdIsOn(p: Pick<TakeoverProgress, 'done'>): boolean {
  return p.done !== true;
}

/** The servers that must keep answering and do not, each with until when and the fix. */
export function judgeHold(p: TakeoverProgress, rec: TakeoverRecord, reads: HoldRead[]): HoldFinding[] {
  if (!holdIsOn(p)) return [];
  const until = p.until
    ? `until ${p.until}`
    : `until ${rec.glueTtl} s (the glue TTL) after the last of ${rec.names.map((n) => n.name).join(', ')} ` +
      "is re-pointed to Cloudflare's addresses";
  const out: HoldFinding[] = [];
  for (const r of reads) {
    if (r.status === 'ok') continue;
    const who = r.servers.length ? r.servers.join(', ') : 'the servers';
    const detail = r.problems.slice(0, 3).join('; ') || 'no detail';
    const failed = r.status === 'failed';
    let message: string;
    if (r.side === 'old') {
      message =
        `old server ${who} ${failed ? 'stopped answering' : 'could not be asked about'} ${r.zone} with authority ` +
        `(${detail}) before its time: resolvers may still follow the old glue there, so it must keep answering ` +
        `${r.zone} (SOA and NS with AA=1) ${until} — ${failed ? 'restore it' : 'check that it answers'}, and do ` +
        'not retire the old servers before then';
    } else if (p.state === 'old') {
      message =
        `Cloudflare's address ${who} ${failed ? 'does not answer' : 'could not be asked about'} ${r.zone} with ` +
        `authority (${detail}): do not re-point the glue until it does — the zone must be on set ${rec.set} ` +
        '(run acns apply, or see acns drift)';
    } else {
      message =
        `Cloudflare's address ${who} ${failed ? 'does not answer' : 'could not be asked about'} ${r.zone} with ` +
        `authority (${detail}), though resolvers following the re-pointed glue go there: check that the zone is ` +
        `on set ${rec.set} (acns drift), and keep the old servers answering ${until}`;
    }
    out.push({
      zone: r.zone,
      side: r.side,
      status: failed ? 'failed' : 'could_not_verify',
      servers: r.servers,
      message,
    });
  }
  return out;
}

/** Any server of a takeover in its hold that does not answer as it must. */
export function holdFailed(progress: Pick<TakeoverProgress, 'hold'>[]): boolean {
  return progress.some((p) => (p.hold?.length ?? 0) > 0);
}

/**
 * Whether `acns glue` passes (its JSON's `ok`, exit 0 rather than 3): every set's glue check passes,
 * or fails only as a takeover in progress explains (glue still on the old servers, or partly), and
 * no server that must keep answering a takeover's zones until its hold is over has stopped.
 */
export function gluePasses(reports: { set: number; blocking: boolean }[], takeover: TakeoverProgress[]): boolean {
  const explained = explainedSets(takeover);
  return reports.every((r) => !r.blocking || explained.has(r.set)) && !holdFailed(takeover);
}
