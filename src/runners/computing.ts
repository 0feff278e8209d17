// The built-in runners that compute: they decode images, run models and resample, so the
// hub runs them in a worker thread (thread/in-thread.ts); tests may call them directly.
import type { RunnerModule } from './contract.ts';
import { driftRunner } from './drift/index.ts';
import { evaluateClassificationRunner } from './evaluate-classification/index.ts';
import { evaluateDetectionRunner } from './evaluate-detection/index.ts';
import { profileDatasetRunner } from './profile-dataset/index.ts';
import { robustnessRunner } from './robustness/index.ts';

export const computingRunners: RunnerModule[] = [
  driftRunner,
  evaluateClassificationRunner,
  evaluateDetectionRunner,
  profileDatasetRunner,
  robustnessRunner,
] as RunnerModule[];
