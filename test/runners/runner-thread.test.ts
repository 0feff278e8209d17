// Computing runners run in a worker thread (src/runners/thread/): the same numbers, findings,
// artifacts and dataset outputs as run in the process; their errors reach the engine; a
// stopped run ends its thread at once and the next run gets a new one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { robustnessRunner } from '../../src/runners/robustness/index.ts';
import { inThread } from '../../src/runners/thread/in-thread.ts';
import { tempFolder } from '../support/files.ts';
import { encodeImage } from '../support/image-datasets.ts';
import { linearImageClassifier, writeModel } from '../support/onnx-models.ts';
import { type Emitted, resolvedInput, runRunner } from '../support/runner-harness.ts';

const temp = tempFolder();
afterAll(() => temp.remove());

const SIDE = 16;
const stripe = (x: number) => (x % 4 < 2 ? 1 : -1);
const data = join(temp.path, 'stripes');
let modelPath = '';

beforeAll(async () => {
  for (const label of ['plain', 'striped']) mkdirSync(join(data, label), { recursive: true });
  for (let i = 0; i < 3; i++) {
    writeFileSync(
      join(data, 'plain', `${i}.png`),
      await encodeImage(SIDE, SIDE, () => [128, 128, 128]),
    );
    writeFileSync(
      join(data, 'striped', `${i}.png`),
      await encodeImage(SIDE, SIDE, (x) => (stripe(x + i) > 0 ? [255, 255, 255] : [0, 0, 0])),
    );
  }
  modelPath = writeModel(
    join(temp.path, 'stripes.onnx'),
    linearImageClassifier({
      height: SIDE,
      width: SIDE,
      classes: 2,
      weight: (_channel, _y, x, cls) => (cls === 1 ? stripe(x) / (3 * SIDE * SIDE) : 0),
      bias: [0.25, 0],
    }),
  );
});

const config = {
  perturbations: [
    { kind: 'gaussian-blur', severities: [0.5, 2] },
    { kind: 'gaussian-noise', severities: [0.1] },
  ],
  bootstrapResamples: 100,
};
const threaded = inThread(robustnessRunner);

/** What a run emitted, the ids the harness gave its outputs (random each time) left out. */
function comparable(emitted: Emitted) {
  const withoutIds = (text: string) =>
    emitted.datasetOutputs.reduce(
      (replaced, { name, stored }) => replaced.replaceAll(stored.id, `<id of ${name}>`),
      text,
    );
  return {
    metrics: emitted.metrics,
    findings: emitted.findings,
    artifacts: emitted.artifacts.map((a) => ({
      ...a,
      bytes: withoutIds(Buffer.from(a.bytes).toString('latin1')),
    })),
    progress: emitted.progress,
    logs: emitted.logs,
    outputs: emitted.datasetOutputs.map(({ stored, path, ...output }) => ({
      ...output,
      digest: stored.digest,
    })),
  };
}

describe('a computing runner in a thread', () => {
  it('emits exactly what it emits in the process, dataset outputs included', async () => {
    const inputs = [
      resolvedInput('model', 'MODEL_VERSION', modelPath, 'ONNX'),
      resolvedInput('dataset', 'DATASET_VERSION', data, 'IMAGE_FOLDER'),
    ];
    const direct = await runRunner(robustnessRunner, { inputs, config, seed: 3 });
    const inThreadRun = await runRunner(threaded, { inputs, config, seed: 3 });
    try {
      expect(inThreadRun.datasetOutputs).toHaveLength(3);
      expect(comparable(inThreadRun)).toEqual(comparable(direct));
    } finally {
      direct.cleanup();
      inThreadRun.cleanup();
    }
  });

  it('fails with the error the runner throws', async () => {
    const inputs = [resolvedInput('dataset', 'DATASET_VERSION', data, 'IMAGE_FOLDER')];
    const direct = await runRunner(robustnessRunner, { inputs, config }).catch((e) => e);
    const inThreadRun = await runRunner(threaded, { inputs, config }).catch((e) => e);
    expect(direct).toBeInstanceOf(Error);
    expect((inThreadRun as Error).message).toBe((direct as Error).message);
  });

  it('stops at once when its run is stopped, and the next run gets a thread', async () => {
    const inputs = [
      resolvedInput('model', 'MODEL_VERSION', modelPath, 'ONNX'),
      resolvedInput('dataset', 'DATASET_VERSION', data, 'IMAGE_FOLDER'),
    ];
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const stopped = runRunner(threaded, { inputs, config, signal: controller.signal });
    controller.abort(reason);
    await expect(stopped).rejects.toBe(reason);
    const next = await runRunner(threaded, { inputs, config, seed: 3 });
    next.cleanup();
    expect(next.datasetOutputs).toHaveLength(3);
  });
});
