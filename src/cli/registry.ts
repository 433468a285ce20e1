/** What a command module gets: the commander program to register on, and where to put its runner. */
import type { Command } from 'commander';
import type { CliIO } from './io.js';

export type CommandRunner = (io: CliIO) => Promise<number>;

/** Each command registers itself and stores the runner it wants executed. */
export interface Registry {
  program: Command;
  io: CliIO;
  setRunner(r: CommandRunner): void;
}
