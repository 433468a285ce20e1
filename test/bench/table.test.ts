import { formatBytes, formatMs, formatRatio, renderChecks, renderTable, tableRows } from '../../bench/table.js';
import type { ScenarioResult } from '../../bench/types.js';

const api: ScenarioResult = {
  id: 'plan',
  title: '1. plan 500 of 2000 zones',
  requests: 542,
  expectedRequests: 542,
  rateLimited: 0,
  wallMs: 3780,
  cpuMs: 1210,
  startupMs: 400,
  lowerBoundMs: 3387.5,
  limitedBy: 'latency',
  peakRssBytes: 119 * 1024 * 1024,
  params: {},
  checks: [
    { what: 'requests = 542', ok: true, detail: '542' },
    { what: 'wall time ≤ 1.2 × lower bound', ok: false, detail: '1.30×' },
  ],
};
const cpu: ScenarioResult = {
  id: 'pure-plan',
  title: '4a. pure planning',
  wallMs: 420.4,
  peakRssBytes: 241.4 * 1024 * 1024,
  params: {},
  checks: [],
};

describe('table', () => {
  test('rows: API scenarios show requests, expected, 429s, CPU, start-up, floor and the ratio after start-up', () => {
    expect(tableRows([api, cpu])).toEqual([
      ['1. plan 500 of 2000 zones', '542', '= 542', '0', '3.78 s', '1.21 s', '400 ms', '3.39 s', '1.00×', '119 MB'],
      ['4a. pure planning', '—', '—', '—', '420 ms', '—', '—', '—', '—', '241 MB'],
    ]);
  });

  test('a window-bound scenario says so', () => {
    const { startupMs: _, ...inProcess } = api;
    const r = tableRows([{ ...inProcess, wallMs: 1_207_300, lowerBoundMs: 1_203_010, limitedBy: 'window' }])[0];
    expect(r?.[4]).toBe('20.1 min');
    expect(r?.[7]).toBe('20.1 min (window)');
    expect(r?.[8]).toBe('1.00×');
  });

  test('renders an aligned Markdown table, numbers right-aligned', () => {
    const lines = renderTable([api, cpu]).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^\| scenario +\| requests \| expected \| 429s \| +wall \| +CPU \| start-up \| +floor \| ratio \| peak RSS \|$/,
    );
    expect(lines[1]).toMatch(/^\|-+\|-+:\|/);
    const widths = lines.map((l) => [...l].length);
    expect(new Set(widths).size).toBe(1); // every line equally wide, counting '≤' and '—' as one column
    expect(lines[3]).toContain('| 420 ms |');
    expect(lines[3]).toContain('|   241 MB |'); // right-aligned under 'peak RSS'
  });

  test('checks: one line each, ✓ or ✗ with the detail', () => {
    expect(renderChecks([api, cpu])).toBe(
      '✓ plan: requests = 542 — 542\n✗ plan: wall time ≤ 1.2 × lower bound — 1.30×\n',
    );
    expect(renderChecks([cpu])).toBe('');
  });

  test('units', () => {
    expect(formatMs(999.6)).toBe('1000 ms');
    expect(formatMs(1234)).toBe('1.23 s');
    expect(formatMs(61_040)).toBe('61.0 s');
    expect(formatMs(1_207_300)).toBe('20.1 min');
    expect(formatRatio(undefined)).toBe('—');
    expect(formatRatio(1.049)).toBe('1.05×');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MB');
  });
});
