import { parseBenchArgs } from '../../bench/run.js';

describe('parseBenchArgs', () => {
  test('defaults, --quick, --only and --out', () => {
    expect(parseBenchArgs([])).toEqual({ quick: false, out: 'bench/results.json' });
    expect(parseBenchArgs(['--quick', '--only', 'plan, apply', '--out', '/tmp/r.json'])).toEqual({
      quick: true,
      only: ['plan', 'apply'],
      out: '/tmp/r.json',
    });
  });

  test('unknown options and scenarios are refused, naming what is known', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow('unknown option --fast');
    expect(() => parseBenchArgs(['--only', 'plan,nope'])).toThrow(
      /unknown scenario nope \(known: plan-10ms, plan, plan-100ms, plan-naive/,
    );
    expect(() => parseBenchArgs(['--out'])).toThrow('--out needs a value');
  });
});
