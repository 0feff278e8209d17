// The runner modules built into the hub.
import { commandRunner } from './command.ts';
import type { RunnerModule } from './contract.ts';
import { driftRunner } from './drift/index.ts';
import { evaluateClassificationRunner } from './evaluate-classification/index.ts';
import { evaluateDetectionRunner } from './evaluate-detection/index.ts';
import { eventGeneratorRunner } from './event-generator.ts';
import { profileDatasetRunner } from './profile-dataset/index.ts';
import { robustnessRunner } from './robustness/index.ts';

export const builtInRunners: RunnerModule[] = [
  commandRunner,
  driftRunner,
  evaluateClassificationRunner,
  evaluateDetectionRunner,
  eventGeneratorRunner,
  profileDatasetRunner,
  robustnessRunner,
] as RunnerModule[];
