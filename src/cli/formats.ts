import { Option } from 'commander';

export type Format = 'text' | 'json' | 'markdown';

export function formatOption(choices: Format[] = ['text', 'json', 'markdown']): Option {
  return new Option('--format <format>', 'output format').choices(choices).default('text');
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
