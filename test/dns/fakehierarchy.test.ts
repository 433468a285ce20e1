import { startFakeHierarchy, type FakeHierarchy } from '../../src/dns/fakehierarchy.js';
import { checkSetGlue } from '../../src/dns/glue.js';

let h: FakeHierarchy;
const names = [
  { name: 'ns1.example.com', ipv4: '127.0.0.3', ipv6: '::ffff:127.0.0.3' },
  { name: 'ns2.example.com', ipv4: '127.0.0.3', ipv6: '::ffff:127.0.0.3' },
];

beforeAll(async () => {
  h = await startFakeHierarchy({ hostZone: 'example.com', names });
});
afterAll(async () => h.close());

test('glue registered mid-run turns a failed check into ok (walking from the fake root)', async () => {
  const o = { rootServers: h.rootServers, parentServers: [], port: h.port, timeoutMs: 300, retries: 0 };
  const before = await checkSetGlue({ set: 1, registrar: 'external', names }, o);
  expect(before.verdict).toBe('failed');
  expect(before.names.map((n) => n.status)).toEqual(['missing', 'missing']);
  h.registerGlue();
  const after = await checkSetGlue({ set: 1, registrar: 'external', names }, o);
  expect(after.verdict).toBe('ok');
  expect(after.names.every((n) => n.child.status === 'ok')).toBe(true);
  h.removeGlue();
  expect((await checkSetGlue({ set: 1, registrar: 'external', names }, o)).verdict).toBe('failed');
});
