import { AcnsError } from '../../src/errors.js';
import {
  documentToPlan,
  parsePlanFile,
  planToDocument,
  encodePlanFile,
  PlanFileError,
} from '../../src/plan/planfile.js';
import { expectGolden } from '../render/golden.js';
import { reseal } from '../render/reseal.js';
import { META, richPlan } from '../render/rich.js';

describe('saved-plan JSON document', () => {
  test('the rich plan matches its golden file', () => {
    expectGolden('plan.json', encodePlanFile(richPlan(), META));
  });

  test('round trip: document → plan gives back the same plan', () => {
    const plan = richPlan();
    const saved = parsePlanFile(encodePlanFile(plan, META), 'plan.json');
    expect(saved.plan).toEqual(plan);
    expect(saved.toolVersion).toBe('0.1.0');
    expect(saved.createdAt).toBe(META.createdAt);
  });

  test("the file's settings travel with the plan", () => {
    const plan = {
      ...richPlan(),
      settings: {
        cloudflare: {
          endpoints: 'legacy' as const,
          requestsPerWindow: 500,
          windowSeconds: 300,
          requestsPerSecond: 50,
          concurrency: 4,
        },
        dns: { rootServers: ['127.0.0.1:5300'], parentServers: [], port: 5300, switchCheckSeconds: 0 },
      },
    };
    const text = encodePlanFile(plan, META);
    expect(JSON.parse(text).settings.dns.switch_check_seconds).toBe(0);
    expect(JSON.parse(text).settings.cloudflare.requests_per_window).toBe(500);
    expect(JSON.parse(text).settings.cloudflare.requests_per_second).toBe(50);
    expect(parsePlanFile(text, 'plan.json').plan).toEqual(plan);
  });

  test('a plan written before requests_per_second existed still loads, with the default pace', () => {
    const plan = {
      ...richPlan(),
      settings: {
        cloudflare: {
          endpoints: 'dns_settings' as const,
          requestsPerWindow: 1000,
          windowSeconds: 300,
          requestsPerSecond: 200,
          concurrency: 8,
        },
        dns: { rootServers: [], parentServers: [], port: 53 },
      },
    };
    const doc = planToDocument(plan, META);
    delete doc.settings?.cloudflare.requests_per_second;
    const old = reseal(doc as unknown as Record<string, unknown>);
    const loaded = parsePlanFile(JSON.stringify(old), 'old-plan.json').plan;
    expect(loaded.settings?.cloudflare.requestsPerSecond).toBe(200);
  });

  test('snake_case fields and the contract header', () => {
    const doc = planToDocument(richPlan(), META);
    expect(doc.format_version).toBe(2);
    expect(doc.steps.every((s) => typeof s.reason_code === 'string')).toBe(true);
    expect(doc.tool).toEqual({ name: 'acns', version: '0.1.0' });
    expect(doc.config.digest).toMatch(/^sha256:/);
    const z = doc.steps.find((s) => s.kind === 'assign_zone')!;
    expect(Object.keys(z)).toEqual([
      'id',
      'kind',
      'target',
      'zone_id',
      'before',
      'after',
      'reason_code',
      'reason',
      'source',
      'class',
      'depends_on',
    ]);
    expect(doc.zone_filter).toBeNull();
  });

  test('an unknown format_version is refused with what to do', () => {
    const doc = { ...planToDocument(richPlan(), META), format_version: 7 };
    expect(() => documentToPlan(doc, 'plan.json')).toThrow(
      'plan.json is not an acns plan (format_version 7 unknown) — re-run acns plan -o',
    );
    try {
      documentToPlan(doc, 'plan.json');
    } catch (e) {
      expect(e).toBeInstanceOf(PlanFileError);
      expect(e).toBeInstanceOf(AcnsError);
      expect((e as AcnsError).code).toBe('plan_file');
      expect((e as AcnsError).exitCode).toBe(1);
    }
  });

  test('not JSON, not a plan, or a tampered plan: clear errors naming the file and the field', () => {
    expect(() => parsePlanFile('{oops', 'p.json')).toThrow(/^p\.json is not an acns plan \(not JSON: /);
    expect(() => parsePlanFile('[]', 'p.json')).toThrow('p.json is not an acns plan (no format_version)');
    const doc = planToDocument(richPlan(), META) as unknown as Record<string, unknown>;
    const steps = doc.steps as Record<string, unknown>[];
    // resealed, so the schema (not the plan_digest) is what rejects them
    const bad = reseal({ ...doc, token: 'x', steps: [{ ...steps[0], kind: 'explode' }, ...steps.slice(1)] });
    expect(() => documentToPlan(bad, 'p.json')).toThrow(
      new RegExp(
        /p\.json is not a valid acns plan: .*\(top level\) has an unknown field "token".*/.source +
          /\/steps\/0\/kind must be equal to one of the allowed values/.source,
      ),
    );
    const noZoneId = { ...doc, steps: steps.map((s) => (s.kind === 'assign_zone' ? { ...s, zone_id: undefined } : s)) };
    expect(() => documentToPlan(reseal(JSON.parse(JSON.stringify(noZoneId))), 'p.json')).toThrow(/lacks "zone_id"/);
    const badDigest = reseal(doc);
    badDigest.plan_digest = 'md5:abc';
    expect(() => documentToPlan(badDigest, 'p.json')).toThrow(/was changed after `acns plan` wrote it/);
  });
});
