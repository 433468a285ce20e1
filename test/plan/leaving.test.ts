/**
 * The leaving rule's cache hold, pure: once no parent lists a deleted name, its deletion waits until
 * the longest of the parent's NS TTL, the zones' apex NS TTL and the names' own A/AAAA TTL has passed
 * since the move was first seen; the note says which TTL holds it and until when; an unread TTL
 * counts as its conservative default.
 */
import { buildPlan } from '../../src/plan/build.js';
import {
  APEX_NS_TTL,
  cachesUntil,
  DEFAULT_ADDRESS_TTL,
  type DelegationMove,
  type DelegationRead,
  evaluateLeaving,
  type LeavingContext,
} from '../../src/plan/leaving.js';
import { desired, live } from './fixtures.js';

const SET1 = ['ns1.one.com', 'ns2.one.com'];
const MOVED_AT = '2025-01-01T00:00:00.000Z';
const at = (seconds: number): string => new Date(Date.parse(MOVED_AT) + seconds * 1000).toISOString();

/** Set 1 is pruned; its zone a.example left it earlier (recorded), and one.com is delegated elsewhere. */
function scene(move: Partial<DelegationMove>) {
  const plan = buildPlan(
    desired({ sets: {}, zones: { 'a.example': 'standard' }, prune: true }),
    live({ sets: { 1: SET1 }, zones: { 'a.example': 'standard' } }),
  );
  const ctx: LeavingContext = {
    zonesOnSet: new Map(),
    domainOf: (n) => n.split('.').slice(-2).join('.'),
    addresses: new Map(),
    moves: [{ subject: 'a.example', set: 1, names: SET1, movedAt: MOVED_AT, parentNsTtl: 3600, ...move }],
  };
  const reads = new Map<string, DelegationRead>([
    ['a.example', { subject: 'a.example', status: 'elsewhere', nameservers: ['x.ns.cloudflare.com'], detail: '' }],
    ['one.com', { subject: 'one.com', status: 'elsewhere', nameservers: ['ns.other.net'], detail: '' }],
  ]);
  return { plan, ctx, reads };
}

test('the names’ own address TTL holds the deletion when it is the longest', () => {
  const { plan, ctx, reads } = scene({});
  const v = evaluateLeaving(plan, ctx, reads, new Date(at(100)), new Map([['ns1.one.com', 3 * 86400]]));
  expect(v.guards).toEqual([]);
  expect(v.hold.map((h) => [h.name, h.cause, h.until])).toEqual([
    ['ns1.one.com', 'caches', at(3 * 86400)],
    ['ns2.one.com', 'caches', at(3 * 86400)],
  ]);
  expect(v.hold[0]!.message).toBe(
    `deleting ns1.one.com, ns2.one.com (set 1) is held until ${at(3 * 86400)}: the delegations that named them ` +
      "moved recently, and resolvers may keep the old ones until then (the longest of the parent's NS TTL, the " +
      "zones' apex NS TTL and the names' address TTL: here the names' address TTL (259200 s) after a.example's " +
      `delegation was first seen moved at ${MOVED_AT}) — plan again after that time`,
  );
  // recorded with the move: the longest read so far
  expect(v.moves[0]!.addressTtl).toBe(3 * 86400);
});

test('short address and parent TTLs: the apex NS TTL holds it, and the note says so', () => {
  const { plan, ctx, reads } = scene({ addressTtl: 300 });
  const v = evaluateLeaving(plan, ctx, reads, new Date(at(100)), new Map([['ns1.one.com', 600]]));
  expect(v.hold[0]!.until).toBe(at(APEX_NS_TTL));
  expect(v.hold[0]!.message).toContain(`here the apex NS TTL of a.example (86400 s) after a.example's delegation`);
  expect(v.moves[0]!.addressTtl).toBe(600); // grows, never shrinks
  const later = evaluateLeaving(plan, { ...ctx, moves: v.moves }, reads, new Date(at(200)), new Map([['x', 1]]));
  expect(later.moves[0]!.addressTtl).toBe(600);
});

test('an address TTL never read fails closed: its default (2 days) holds the deletion', () => {
  const { plan, ctx, reads } = scene({});
  const v = evaluateLeaving(plan, ctx, reads, new Date(at(100)));
  expect(DEFAULT_ADDRESS_TTL).toBe(172800);
  expect(v.hold[0]!.until).toBe(at(DEFAULT_ADDRESS_TTL));
  expect(v.hold[0]!.message).toContain("the names' address TTL (172800 s: not read, assumed)");
  expect(v.moves[0]!.addressTtl).toBeUndefined();
});

test('once the longest TTL has passed, the deletion goes ahead', () => {
  const { plan, ctx, reads } = scene({ addressTtl: 90000 });
  expect(evaluateLeaving(plan, ctx, reads, new Date(at(90000 - 1))).hold).toHaveLength(2);
  expect(evaluateLeaving(plan, ctx, reads, new Date(at(90000))).hold).toEqual([]);
});

test('cachesUntil: the switch alone counts the apex NS TTL; nothing recorded, nothing held', () => {
  const switched = { subject: 'a.example', set: 1, names: SET1, switchedAt: MOVED_AT };
  expect(cachesUntil({ name: 'ns1.one.com', set: 1 }, [switched])).toEqual({
    at: new Date(at(APEX_NS_TTL)),
    by: `the apex NS TTL of a.example (86400 s) after its switch at ${MOVED_AT}`,
  });
  expect(cachesUntil({ name: 'ns1.one.com', set: 2 }, [switched])).toBeUndefined();
});

describe("the names' own domain delegated to the names", () => {
  /** Set 1 is pruned, no zone uses it; one.com, which holds its names, is served by them. */
  function domainScene(moves: DelegationMove[]) {
    const { plan } = scene({});
    const ctx: LeavingContext = {
      zonesOnSet: new Map(),
      domainOf: (n) => n.split('.').slice(-2).join('.'),
      addresses: new Map(SET1.map((n) => [n, { ipv4: '192.0.2.1' }])),
      moves,
    };
    return { plan, ctx };
  }
  const read = (nameservers: string[], glue: string, nsTtl?: number): Map<string, DelegationRead> =>
    new Map([
      [
        'one.com',
        {
          subject: 'one.com',
          status: nameservers.some((n) => SET1.includes(n)) ? 'delegated' : 'elsewhere',
          nameservers,
          glue: nameservers.map((name) => ({ name, type: 'A' as const, address: glue })),
          ...(nsTtl !== undefined ? { nsTtl } : {}),
          detail: '',
        },
      ],
    ]);

  test('seen listing the names: held, and recorded like a zone so that its move is waited for', () => {
    const { plan, ctx } = domainScene([]);
    const v = evaluateLeaving(plan, ctx, read(SET1, '192.0.2.1'), new Date(MOVED_AT));
    expect(v.hold.map((h) => `${h.name} ${h.cause}`)).toEqual(SET1.map((n) => `${n} listed`));
    expect(v.moves).toEqual([{ subject: 'one.com', set: 1, names: SET1 }]);

    // the registrar step: one.com moved; the deletion waits for the caches that may hold its old delegation
    const next = evaluateLeaving(
      plan,
      { ...ctx, moves: v.moves },
      read(['ns.other.net'], '192.0.2.9', 7200),
      new Date(at(60)),
      new Map(SET1.map((n) => [n, 600])),
    );
    expect(next.guards).toEqual([]);
    expect(next.moves).toEqual([
      { subject: 'one.com', set: 1, names: SET1, movedAt: at(60), parentNsTtl: 7200, addressTtl: 600 },
    ]);
    expect(next.hold.map((h) => [h.name, h.cause, h.until])).toEqual(
      SET1.map((n) => [n, 'caches', at(60 + APEX_NS_TTL)]),
    );
    expect(next.hold[0]!.message).toContain(`here the apex NS TTL of one.com (86400 s) after one.com's delegation`);
    const later = { ...ctx, moves: next.moves };
    expect(
      evaluateLeaving(plan, later, read(['ns.other.net'], '192.0.2.9'), new Date(at(60 + APEX_NS_TTL))).hold,
    ).toEqual([]);
  });

  test('names of the same spelling served elsewhere (glue at other addresses): not held, not recorded', () => {
    const { plan, ctx } = domainScene([]);
    const v = evaluateLeaving(plan, ctx, read(SET1, '198.51.100.7'), new Date(MOVED_AT));
    expect(v.hold).toEqual([]);
    expect(v.moves).toEqual([]);
  });
});

test('a zone on another set whose parent still names the deleted set (moved without a record) holds it', () => {
  const { plan, ctx } = scene({});
  // b.example is on set 2 now (moved in the dashboard, or by a run whose .acns/ is gone): nothing recorded
  const onSet2: LeavingContext = { ...ctx, moves: [], zonesOnSet: new Map([[2, ['b.example']]]) };
  const reads = new Map<string, DelegationRead>([
    ['b.example', { subject: 'b.example', status: 'delegated', nameservers: SET1, detail: '' }],
    ['one.com', { subject: 'one.com', status: 'elsewhere', nameservers: ['ns.other.net'], detail: '' }],
  ]);
  const v = evaluateLeaving(plan, onSet2, reads, new Date(MOVED_AT));
  expect(v.hold.map((h) => `${h.name} ${h.cause}`)).toEqual(SET1.map((n) => `${n} listed`));
  expect(v.hold[0]!.message).toMatch(/the parent still delegates b\.example to them/);
  // recorded, so that once its registrar step is done the caches are waited for too
  expect(v.moves).toEqual([{ subject: 'b.example', set: 1, names: SET1 }]);
});

describe('no record of the moves before a time (a fresh checkout): every deletion waits from then', () => {
  const NOW = new Date(at(0));
  const missing = () => {
    const { plan, ctx, reads } = scene({});
    return { plan, ctx: { ...ctx, moves: [], historyFrom: at(0) }, reads };
  };

  test('held for the longest default TTL from the start, with a note naming the cause and both ways out', () => {
    const { plan, ctx, reads } = missing();
    const v = evaluateLeaving(plan, ctx, reads, NOW);
    expect(v.guards).toEqual([]);
    expect(v.hold.map((h) => [h.name, h.cause, h.until])).toEqual([
      ['ns1.one.com', 'caches', at(172800)],
      ['ns2.one.com', 'caches', at(172800)],
    ]);
    const note = v.hold[0]!.message;
    expect(note).toMatch(/^deleting ns1\.one\.com, ns2\.one\.com \(set 1\) is held until \S+: there was no record/);
    expect(note).toContain(`.acns/delegation-moves.json had no record of this account at ${at(0)}`);
    expect(note).toContain('restore .acns/delegation-moves.json from your CI cache or a backup');
    expect(note).toContain('`acns apply --allow-unknown-delegation` (without a plan file)');
    expect(v.moves).toEqual([]); // the start of the record times it, not an entry per name
  });

  test('a later run (any names, any set) ends at the same time; after it, they go', () => {
    const { plan, ctx, reads } = missing();
    const later = evaluateLeaving(plan, ctx, reads, new Date(at(86400)), new Map([['ns1.one.com', 300]]));
    expect(later.hold.map((h) => h.until)).toEqual([at(172800), at(172800)]);
    expect(evaluateLeaving(plan, ctx, reads, new Date(at(172800))).hold).toEqual([]);
  });

  test('a longer recorded hold wins over the start of the record, with its own note', () => {
    const { plan, ctx, reads } = scene({ movedAt: at(86400) });
    const v = evaluateLeaving(plan, { ...ctx, historyFrom: at(0) }, reads, new Date(at(86400)));
    expect(v.hold[0]!.until).toBe(at(86400 + 172800));
    expect(v.hold[0]!.message).toMatch(/moved recently/);
  });

  test('a record without a start (complete history) holds nothing', () => {
    const { plan, ctx, reads } = missing();
    const { historyFrom: _h, ...complete } = ctx;
    expect(evaluateLeaving(plan, complete, reads, NOW).hold).toEqual([]);
  });

  test('a name a parent still lists is held for that (its move will be timed)', () => {
    const { plan, ctx, reads } = missing();
    const listing = new Map(reads);
    listing.set('one.com', { subject: 'one.com', status: 'delegated', nameservers: SET1, detail: '' });
    const v = evaluateLeaving(plan, ctx, listing, NOW);
    expect(v.hold.map((h) => h.cause)).toEqual(['listed', 'listed']);
    expect(v.moves).toEqual([{ subject: 'one.com', set: 1, names: SET1 }]);
  });
});
