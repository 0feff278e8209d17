// The runner modules built into the hub.
import { commandRunner } from './command.ts';
import type { RunnerModule } from './contract.ts';
import { eventGeneratorRunner } from './event-generator.ts';

export const builtInRunners: RunnerModule[] = [
  commandRunner,
  eventGeneratorRunner,
] as RunnerModule[];
