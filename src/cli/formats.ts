import { Option } from 'commander';
import { UsageError } from '../errors.js';

export type Format = 'text' | 'json' | 'markdown';

export function formatOption(choices: Format[] = ['text', 'json', 'markdown']): Option {
  return new Option('--format <format>', 'output format').choices(choices).default('text');
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function assertFormat(f: string): Format {
  if (f === 'text' || f === 'json' || f === 'markdown') return f;
  throw new UsageError(`unknown format "${f}"`, 'use --format text, json or markdown');
}
