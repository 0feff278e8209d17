// The runner modules built into the hub (the command runner is added when the operator
// allows programs: see server.ts). The computing ones run in worker threads.
import { computingRunners } from './computing.ts';
import type { RunnerModule } from './contract.ts';
import { eventGeneratorRunner } from './event-generator.ts';
import { inThread } from './thread/in-thread.ts';

export const builtInRunners: RunnerModule[] = [
  ...computingRunners.map(inThread),
  eventGeneratorRunner,
].sort((a, b) => a.id.localeCompare(b.id));
