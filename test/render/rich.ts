/** One rich plan (creates, deletes, held deletions, zone moves, default change, guards, drift) for golden files. */
import { buildDriftReport, type DriftReport } from '../../src/plan/drift.js';
import { buildPlan } from '../../src/plan/build.js';
import type { Plan } from '../../src/plan/types.js';
import { desired, live } from '../plan/fixtures.js';

const d = desired({
  sets: { 1: ['ns1.example.com', 'ns2.example.com', 'ns3.example.com'], 2: ['ns1.example.net', 'ns2.example.net'] },
  registrar: { 2: 'cloudflare' },
  zones: {
    'example.org': 1,
    'shop.example.org': 2,
    'legacy.example': 'standard',
    'big.example': 'advanced',
    'moved.example': 2,
    'typo.exmple': 1,
  },
  accountDefault: 'custom.account',
  prune: true,
  maxZoneChanges: 3,
});
const l = live({
  sets: { 1: ['ns1.example.com', 'ns2.example.com'], 3: ['ns1.example.io', 'ns2.example.io'], 4: ['ns9.example.io'] },
  zones: {
    'example.org': 'standard',
    'shop.example.org': 3,
    'legacy.example': 1,
    'big.example': 'advanced',
    'moved.example': 1,
  },
  missing: ['typo.exmple'],
  accountZoneNames: ['example.org', 'typo.example', 'unrelated.test'],
  other: { 'old.example': 4 },
  accountDefault: 'cloudflare.standard',
});

export function richPlan(): Plan {
  return buildPlan(d, l, {
    baseline: {
      'zone:example.org': { type: 'custom.account', set: 1 }, // applied before, switched off by hand since: drift
      'ns:ns1.example.io': { set: 3 }, // applied before, removed from the file since: config
      'ns:ns2.example.io': { set: 3 },
    },
  });
}

export function richDrift(): DriftReport {
  return buildDriftReport(d, l);
}

export const META = { toolVersion: '0.1.0', createdAt: '2026-01-02T03:04:05.000Z' };
