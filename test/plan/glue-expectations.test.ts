import { glueExpectations } from '../../src/plan/glue-expectations.js';
import type { LiveNameserver } from '../../src/cloudflare/types.js';
import { desired } from './fixtures.js';

const live: LiveNameserver[] = [
  { name: 'ns1.example.com', set: 1, ipv4: '192.0.2.1', ipv6: '2001:db8::1' },
  { name: 'ns2.example.com', set: 1, ipv4: '192.0.2.2' },
  { name: 'ns1.example.net', set: 3, ipv4: '192.0.2.3', ipv6: '2001:db8::3' }, // lives in set 3, the file wants set 2
  { name: 'ns9.example.org', set: 4, ipv4: '192.0.2.9' }, // not in the file
];

test('each declared set expects its live names with the addresses Cloudflare assigned', () => {
  const d = desired({
    sets: { 1: ['ns1.example.com', 'ns2.example.com', 'ns3.example.com'], 2: ['ns1.example.net', 'ns2.example.net'] },
    registrar: { 1: 'cloudflare' },
  });
  const r = glueExpectations(d, live);
  expect(r.expectations).toEqual([
    {
      set: 1,
      registrar: 'cloudflare',
      hostZone: 'example.com',
      names: [
        { name: 'ns1.example.com', ipv4: '192.0.2.1', ipv6: '2001:db8::1' },
        { name: 'ns2.example.com', ipv4: '192.0.2.2' }, // no ipv6 key when Cloudflare gave none
      ],
    },
  ]);
  // set 2 has nothing to check yet: ns1.example.net exists but in another set, ns2 not at all
  expect(r.notCreated).toEqual([
    { name: 'ns3.example.com', set: 1 },
    { name: 'ns1.example.net', set: 2 },
    { name: 'ns2.example.net', set: 2 },
  ]);
  expect(r.expectations[0]!.names[1]).not.toHaveProperty('ipv6');
});

test('no hostZone key when the set has none; live names the file does not list are ignored', () => {
  const d = desired({ sets: { 4: ['ns8.example.org', 'ns9.example.org'] } });
  delete d.sets[0]!.hostZone;
  const r = glueExpectations(d, live);
  expect(r.expectations).toEqual([
    { set: 4, registrar: 'external', names: [{ name: 'ns9.example.org', ipv4: '192.0.2.9' }] },
  ]);
  expect(r.expectations[0]).not.toHaveProperty('hostZone');
  expect(r.notCreated).toEqual([{ name: 'ns8.example.org', set: 4 }]);
});

test('an empty file or an empty account gives no expectations', () => {
  expect(glueExpectations(desired({}), live)).toEqual({ expectations: [], notCreated: [] });
  expect(glueExpectations(desired({ sets: { 1: ['ns1.example.com', 'ns2.example.com'] } }), []).expectations).toEqual(
    [],
  );
});
