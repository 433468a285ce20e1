/**
 * Durations in workflow inputs ("90s", "30m", "12h", "7d", "1h30m"; a plain number is seconds). The
 * acns CLI parses its own flags; this copy exists because the workflow helpers do not load the CLI.
 */
const UNIT = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text) {
  const t = String(text).trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const re = /(\d+)(d|h|m|s)/gy;
  let ms = 0;
  let consumed = 0;
  let m;
  while ((m = re.exec(t)) !== null) {
    ms += Number(m[1]) * UNIT[m[2]];
    consumed = re.lastIndex;
  }
  return consumed === 0 || consumed !== t.length ? undefined : ms;
}

export function formatDuration(ms) {
  const parts = [];
  let rest = Math.round(ms / 1000);
  for (const [u, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ]) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${u}`);
      rest %= size;
    }
  }
  if (rest || parts.length === 0) parts.push(`${rest}s`);
  return parts.join('');
}
