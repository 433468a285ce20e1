/**
 * Wording helpers every layer uses for messages: counts with their noun in the right number, and
 * the one "did you mean" rule (a typo is a small edit distance relative to the word's length).
 */
import { closest, distance } from 'fastest-levenshtein';

/** "1 name", "2 names", "0 names", "1,200 zones": a count with its noun in the right number. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${grouped(n)} ${n === 1 ? noun : plural}`;
}

/** 1200 → "1,200". Not toLocaleString: its first call loads ICU's locale data, about 12 ms of every start-up. */
export function grouped(n: number): string {
  const [whole = '', fraction] = String(n).split('.');
  const digits = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? digits : `${digits}.${fraction}`;
}

/**
 * The candidate `word` most plausibly is a typo of, or undefined. Case does not matter. A typo is
 * at most max(2, ⌊length / 4⌋) edits away (about one edit per four characters of the longer
 * text), and never as many edits as the word has characters (so "ab" does not suggest "dns").
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (!candidates.length || !word) return undefined;
  const w = word.toLowerCase();
  const lower = candidates.map((c) => c.toLowerCase());
  const best = closest(w, lower);
  const d = distance(w, best);
  const allowed = Math.max(2, Math.floor(Math.max(w.length, best.length) / 4));
  return d <= allowed && d < w.length ? candidates[lower.indexOf(best)] : undefined;
}
