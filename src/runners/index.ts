// The runner modules built into the hub (the command runner is added when the operator
// allows programs: see server.ts).
import type { RunnerModule } from './contract.ts';
import { driftRunner } from './drift/index.ts';
import { evaluateClassificationRunner } from './evaluate-classification/index.ts';
import { evaluateDetectionRunner } from './evaluate-detection/index.ts';
import { eventGeneratorRunner } from './event-generator.ts';
import { profileDatasetRunner } from './profile-dataset/index.ts';
import { robustnessRunner } from './robustness/index.ts';

export const builtInRunners: RunnerModule[] = [
  driftRunner,
  evaluateClassificationRunner,
  evaluateDetectionRunner,
  eventGeneratorRunner,
  profileDatasetRunner,
  robustnessRunner,
] as RunnerModule[];
