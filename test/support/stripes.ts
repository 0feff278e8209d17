// A small, real evaluation set-up: an image folder and an ONNX classifier whose results are
// known, and a workflow that profiles, evaluates and sweeps blur with requirements. The
// robustness test (test/runners/robustness.test.ts) explains the numbers: 16 x 16 grey
// 'plain' images and black-and-white 'striped' ones, and a linear classifier that scores the
// stripes. Accuracy is 1 on clean images and at blur sigma 0.5, and 0.5 from sigma 1 on. The
// three images of each class are the same picture, which the profile must notice.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestHub } from './hub.ts';
import { encodeImage } from './image-datasets.ts';
import { linearImageClassifier, writeModel } from './onnx-models.ts';
import {
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
  RegisterModel,
  RegisterModelVersion,
} from './registry-documents.ts';

const SIDE = 16;
const stripe = (x: number) => (x % 4 < 2 ? 1 : -1);

/** Registers `project`/stripes v1 (the model) and `project`/stripes@clean (the images); their ids. */
export async function registerStripes(
  t: TestHub,
  folder: string,
  project: string,
): Promise<{ modelVersion: string; datasetVersion: string }> {
  const data = join(folder, 'stripes');
  for (const label of ['plain', 'striped']) mkdirSync(join(data, label), { recursive: true });
  for (let i = 0; i < 3; i++) {
    writeFileSync(
      join(data, 'plain', `${i}.png`),
      await encodeImage(SIDE, SIDE, () => [128, 128, 128]),
    );
    writeFileSync(
      join(data, 'striped', `${i}.png`),
      await encodeImage(SIDE, SIDE, (x) => (stripe(x) > 0 ? [255, 255, 255] : [0, 0, 0])),
    );
  }
  const modelPath = writeModel(
    join(folder, 'stripes.onnx'),
    linearImageClassifier({
      height: SIDE,
      width: SIDE,
      classes: 2,
      weight: (_channel, _y, x, cls) => (cls === 1 ? stripe(x) / (3 * SIDE * SIDE) : 0),
      bias: [0.25, 0],
    }),
  );
  await t.graphql(RegisterModel, {
    input: { project, name: 'stripes', task: 'IMAGE_CLASSIFICATION' },
  });
  const model = await t.graphql(RegisterModelVersion, {
    input: { model: `${project}/stripes`, version: 'v1', uri: modelPath, format: 'ONNX' },
  });
  await t.graphql(RegisterDataset, {
    input: { project, name: 'stripes', task: 'IMAGE_CLASSIFICATION' },
  });
  const dataset = await t.graphql(RegisterDatasetVersion, {
    input: { dataset: `${project}/stripes`, version: 'clean', uri: data, format: 'IMAGE_FOLDER' },
  });
  return {
    modelVersion: expectType(model.data.registerModelVersion, 'RegisterModelVersionPayload')
      .modelVersion.id,
    datasetVersion: expectType(dataset.data.registerDatasetVersion, 'RegisterDatasetVersionPayload')
      .datasetVersion.id,
  };
}

/** Profile, evaluate, sweep blur; accuracy must stay at 0.9 clean and blurred, no corrupt image. */
export const stripesWorkflowSpec = {
  inputs: [
    { name: 'model', kind: 'MODEL_VERSION' },
    { name: 'data', kind: 'DATASET_VERSION' },
  ],
  steps: [
    { id: 'profile', runner: 'profile-dataset', inputs: { dataset: 'data' } },
    {
      id: 'evaluate',
      runner: 'evaluate-classification',
      inputs: { model: 'model', dataset: 'data' },
      config: { bootstrapResamples: 200 },
      dependsOn: ['profile'],
    },
    {
      id: 'robustness',
      runner: 'robustness',
      inputs: { model: 'model', dataset: 'data' },
      config: {
        perturbations: [{ kind: 'gaussian-blur', severities: [0.5, 1, 4] }],
        bootstrapResamples: 200,
      },
      dependsOn: ['evaluate'],
    },
  ],
  requirements: [
    {
      id: 'clean-accuracy',
      step: 'evaluate',
      metric: 'accuracy',
      op: '>=',
      threshold: 0.9,
    },
    {
      id: 'blur-accuracy',
      step: 'robustness',
      metric: 'accuracy',
      op: '>=',
      threshold: 0.9,
      slice: { perturbation: 'gaussian-blur' },
      severity: 'CRITICAL',
    },
    { id: 'no-corrupt-images', metric: 'corrupt_count', op: '==', threshold: 0 },
  ],
};
