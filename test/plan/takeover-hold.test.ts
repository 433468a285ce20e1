/** A takeover's hold and its detection without apply's record, as pure functions (clocks passed in). */
import { detectTakeover, gluePasses, holdFailed, type HoldRead, judgeHold } from '../../src/plan/takeover-hold.js';
import { type NameNow, type NameSighting, type TakeoverRecord, takeoverProgress } from '../../src/plan/takeover.js';

const NAMES = ['ns1.vanity.com', 'ns2.vanity.com'];
const CF = { 'ns1.vanity.com': '192.0.2.1', 'ns2.vanity.com': '192.0.2.2' } as Record<string, string>;
const OLD = { 'ns1.vanity.com': '198.51.100.1', 'ns2.vanity.com': '198.51.100.2' } as Record<string, string>;

const t0 = new Date('2025-01-02T00:00:00.000Z');
const t1 = new Date('2025-01-02T00:30:00.000Z');

/** What the glue check sees: each name's glue on the old or Cloudflare's addresses. */
function sighting(state: Record<string, 'old' | 'new'>): NameSighting[] {
  return NAMES.map((name) => {
    const at = state[name] === 'new' ? CF[name]! : OLD[name]!;
    return { name, cloudflare: [CF[name]!], glue: [at], answers: [at] };
  });
}
function namesNow(state: Record<string, 'old' | 'new'>): NameNow[] {
  return NAMES.map((name) => ({
    name,
    ok: state[name] === 'new',
    seen: [state[name] === 'new' ? CF[name]! : OLD[name]!],
    cloudflare: [CF[name]!],
  }));
}
const delegated = (zone: string, ns = NAMES) => ({ zone, nameservers: ns, nsTtl: 3600 });

describe('detection without the record', () => {
  const place = { hostZone: 'vanity.com', nsTtl: 7200 };

  test('zones delegated to the names and glue pointing elsewhere: a takeover, first seen now', () => {
    const rec = detectTakeover(
      1,
      sighting({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'old' }),
      [delegated('b.org'), delegated('a.org'), delegated('c.org', ['kate.ns.cloudflare.com'])],
      place,
      t0,
    );
    expect(rec).toEqual({
      set: 1,
      hostZone: 'vanity.com',
      names: [
        { name: 'ns1.vanity.com', old: [] },
        { name: 'ns2.vanity.com', old: ['198.51.100.2'] },
      ],
      zones: ['a.org', 'b.org'],
      detectedAt: t0.toISOString(),
      glueTtl: 7200, // the longest NS TTL read
      repointed: [],
    });
  });

  test("no zone delegated to the names, or glue on Cloudflare's addresses: not a takeover", () => {
    const old = sighting({ 'ns1.vanity.com': 'old', 'ns2.vanity.com': 'old' });
    expect(detectTakeover(1, old, [delegated('a.org', ['ns1.other.net'])], place, t0)).toBeUndefined();
    const cf = sighting({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'new' });
    expect(detectTakeover(1, cf, [delegated('a.org')], place, t0)).toBeUndefined();
  });

  test('the hold is counted from now, said so, and never over on the run that first sees the re-point', () => {
    const rec = detectTakeover(
      1,
      sighting({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'old' }),
      [{ ...delegated('a.org'), nsTtl: 0 }],
      {
        hostZone: 'vanity.com',
        nsTtl: 0, // even a zero TTL retires nothing without an earlier sighting
      },
      t0,
    )!;
    const mixed = takeoverProgress(rec, namesNow({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'old' }), t0);
    expect(mixed.progress.state).toBe('mixed');
    expect(mixed.progress.detected).toBe(true);
    expect(mixed.progress.message).toMatch(/found from DNS 2025-01-02T00:00:00\.000Z, no record of the switch/);
    expect(mixed.progress.message).toMatch(
      /when the glue was re-pointed is unknown .* so the hold is counted from now/,
    );
    const all = takeoverProgress(mixed.record, namesNow({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'new' }), t1);
    expect(all.progress.state).toBe('repointed');
    expect(all.progress.done).toBeUndefined();
    expect(all.progress.until).toBe(t1.toISOString());
    expect(all.progress.message).not.toMatch(/can be retired/);
    // a later run, with the sighting recorded before it: now the hold is over
    const later = takeoverProgress(all.record, namesNow({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'new' }), t1);
    expect(later.progress.done).toBeUndefined(); // same instant: not older than the TTL
    const after = takeoverProgress(
      all.record,
      namesNow({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'new' }),
      new Date(t1.getTime() + 1000),
    );
    expect(after.progress.done).toBe(true);
  });
});

describe('the hold', () => {
  const rec: TakeoverRecord = {
    set: 1,
    hostZone: 'vanity.com',
    names: NAMES.map((name) => ({ name, old: [OLD[name]!] })),
    zones: ['a.org', 'b.org'],
    switchedAt: '2025-01-01T00:00:00.000Z',
    glueTtl: 3600,
    repointed: [],
  };
  const ok = (zone: string, side: HoldRead['side']): HoldRead => ({
    zone,
    side,
    status: 'ok',
    servers: [],
    problems: [],
  });
  const refused: HoldRead = {
    zone: 'b.org',
    side: 'old',
    status: 'failed',
    servers: ['198.51.100.2'],
    problems: ['198.51.100.2: answers b.org SOA REFUSED'],
  };

  test('re-pointed, within the glue TTL: an old server that stops answering fails, naming zone, server, until', () => {
    const first = takeoverProgress(rec, namesNow({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'new' }), t0);
    const p = first.progress;
    expect(p.until).toBe('2025-01-02T01:00:00.000Z');
    const found = judgeHold(p, first.record, [ok('a.org', 'old'), refused, ok('a.org', 'cloudflare')]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ zone: 'b.org', side: 'old', status: 'failed', servers: ['198.51.100.2'] });
    expect(found[0]!.message).toMatch(
      /^old server 198\.51\.100\.2 stopped answering b\.org with authority \(198\.51\.100\.2: answers b\.org SOA/,
    );
    expect(found[0]!.message).toMatch(
      /must keep answering b\.org \(SOA and NS with AA=1\) until 2025-01-02T01:00:00\.000Z — restore it/,
    );
    expect(holdFailed([{ ...p, hold: found }])).toBe(true);
    expect(holdFailed([p])).toBe(false);
  });

  test("acns glue passes when a takeover explains its set's failing glue, not when its hold fails", () => {
    const p = takeoverProgress(rec, namesNow({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'old' }), t0).progress;
    const failing = [{ set: rec.set, blocking: true }];
    expect(gluePasses(failing, [])).toBe(false);
    expect(gluePasses(failing, [p])).toBe(true);
    expect(gluePasses([...failing, { set: rec.set + 1, blocking: true }], [p])).toBe(false);
    expect(gluePasses([{ set: rec.set, blocking: false }], [{ ...p, hold: judgeHold(p, rec, [refused]) }])).toBe(false);
  });

  test('glue still old or mixed: until the glue TTL after the last re-point; unverifiable is not a pass', () => {
    const p = takeoverProgress(rec, namesNow({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'old' }), t0).progress;
    const silent: HoldRead = { ...refused, status: 'could_not_verify', problems: ['198.51.100.2: timeout'] };
    const [f] = judgeHold(p, rec, [silent]);
    expect(f!.status).toBe('could_not_verify');
    expect(f!.message).toMatch(
      /could not be asked about b\.org .* until 3600 s \(the glue TTL\) after the last of ns1\.vanity\.com, ns2\S+ is/,
    );
  });

  test("Cloudflare's addresses not answering: before the re-point, do not re-point; after, an outage", () => {
    const cf: HoldRead = {
      zone: 'a.org',
      side: 'cloudflare',
      status: 'failed',
      servers: ['192.0.2.1'],
      problems: ['REFUSED'],
    };
    const old = takeoverProgress(rec, namesNow({ 'ns1.vanity.com': 'old', 'ns2.vanity.com': 'old' }), t0).progress;
    expect(judgeHold(old, rec, [cf])[0]!.message).toMatch(
      /^Cloudflare's address 192\.0\.2\.1 does not answer a\.org .*: do not re-point the glue until it does/,
    );
    const moved = takeoverProgress(rec, namesNow({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'new' }), t0).progress;
    expect(judgeHold(moved, rec, [cf])[0]!.message).toMatch(/resolvers following the re-pointed glue go there/);
  });

  test('after the hold the old servers are not judged any more', () => {
    const first = takeoverProgress(rec, namesNow({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'new' }), t0);
    const over = takeoverProgress(first.record, namesNow({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'new' }), t1);
    expect(over.progress.done).toBeUndefined();
    const done = takeoverProgress(
      first.record,
      namesNow({ 'ns1.vanity.com': 'new', 'ns2.vanity.com': 'new' }),
      new Date('2025-01-02T01:00:00.000Z'),
    ).progress;
    expect(done.done).toBe(true);
    expect(judgeHold(done, rec, [refused])).toEqual([]);
  });
});
