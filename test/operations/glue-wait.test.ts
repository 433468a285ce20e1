/** The --glue-wait progress note: when the next check is, how much of the wait is left, and when it is up. */
import { formatWait, glueWaitNote } from '../../src/operations/glue.js';

test('a retry names the check count, the time to the next check and the wait left', () => {
  expect(glueWaitNote(2, 1, { delayMs: 5000, leftMs: 1_795_000 })).toBe(
    'set 2: glue not ready after 1 check; next check in 5s, 29m55s of --glue-wait left',
  );
  expect(glueWaitNote(1, 3, { delayMs: 20_000, leftMs: 20_000 })).toBe(
    'set 1: glue not ready after 3 checks; next check in 20s, 20s of --glue-wait left',
  );
});

test('the last check says the wait is used up', () => {
  expect(glueWaitNote(1, 7, undefined)).toBe('set 1: glue still not ready after 7 checks; the --glue-wait time is up');
});

test('durations read as whole seconds, minutes and hours, rounded up', () => {
  expect([0, 1, 999, 59_000, 60_000, 125_000, 3_599_000, 3_600_000, 5_430_000].map(formatWait)).toEqual([
    '0s',
    '1s',
    '1s',
    '59s',
    '1m00s',
    '2m05s',
    '59m59s',
    '1h00m',
    '1h30m',
  ]);
});
