import { UsageError } from '../errors.js';

/** Parses "90s", "30m", "1h", "1h30m" or plain seconds into milliseconds. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const re = /(\d+)(h|m|s)/gy;
  let ms = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(t)) !== null) {
    ms += Number(m[1]) * (m[2] === 'h' ? 3_600_000 : m[2] === 'm' ? 60_000 : 1000);
    consumed = re.lastIndex;
  }
  if (consumed !== t.length || consumed === 0) {
    throw new UsageError(`"${text}" is not a duration`, 'write it like 90s, 30m, 1h or 1h30m');
  }
  return ms;
}
