import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { readBatches } from '../../src/runners/images/image-batches.ts';
import { readImageFolder } from '../../src/runners/images/image-folder.ts';
import { ImagePreprocessor } from '../../src/runners/images/preprocess.ts';
import { type ClassifierOptions, ImageClassifier } from '../../src/runners/onnx/model-session.ts';
import { tempFolder } from '../support/files.ts';
import { writeImageFolder } from '../support/image-datasets.ts';
import {
  type LinearImageClassifierOptions,
  linearImageClassifier,
  onnxModel,
  writeModel,
} from '../support/onnx-models.ts';

const temp = tempFolder();
afterAll(() => temp.remove());

const SIDE = 4;
/** Class k's score is the mean of tensor channel k: the image's mean red, green, blue. */
const meanColour: LinearImageClassifierOptions = {
  height: SIDE,
  width: SIDE,
  classes: 3,
  weight: (channel, _y, _x, cls) => (channel === cls ? 1 / (SIDE * SIDE) : 0),
};

function softmax(values: number[]): number[] {
  const exps = values.map(Math.exp);
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function expectRows(actual: Float32Array[], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((row, i) => {
    expect(actual[i]!.length).toBe(row.length);
    row.forEach((value, j) => {
      expect(actual[i]![j], `row ${i} column ${j}`).toBeCloseTo(value, 5);
    });
  });
}

async function load(model: string | Uint8Array, options: ClassifierOptions = {}) {
  const classifier = await ImageClassifier.load(model, { intraOpThreads: 1, ...options });
  toRelease.push(classifier);
  return classifier;
}
const toRelease: ImageClassifier[] = [];
afterAll(async () => {
  for (const classifier of toRelease) await classifier.release();
});

// Solid images: red, green, blue, and (51, 153, 102) = (0.2, 0.6, 0.4).
const root = join(temp.path, 'colours');
const colours = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [51, 153, 102],
] as const;
const expectedMeans = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [0.2, 0.6, 0.4],
];
beforeAll(async () => {
  await writeImageFolder(root, {
    any: colours.map((colour, i) => ({ colour, width: 6, height: 5, name: `${i}.png` })),
  });
});

/** The colour images preprocessed for `classifier` as one tensor. */
async function colourTensor(classifier: ImageClassifier): Promise<Float32Array> {
  const { items } = await readImageFolder(root);
  const { height, width, layout } = classifier.input;
  const preprocessor = new ImagePreprocessor({ height, width, layout });
  for await (const batch of readBatches(items, preprocessor, { batchSize: items.length })) {
    return batch.tensor;
  }
  throw new Error('no batch');
}

describe('ImageClassifier', () => {
  it('reads the input of an NCHW model and applies softmax to its logits', async () => {
    const classifier = await load(linearImageClassifier(meanColour), { labels: ['r', 'g', 'b'] });
    expect(classifier.input).toEqual({
      name: 'pixels',
      shape: ['N', 3, SIDE, SIDE],
      layout: 'NCHW',
      height: SIDE,
      width: SIDE,
      batchSize: null,
    });
    expect(classifier.classCount).toBe(3);

    const scores = await classifier.classify(await colourTensor(classifier), 4);

    expect(classifier.outputs).toBe('logits');
    expectRows(scores, expectedMeans.map(softmax));
  });

  it('feeds an NHWC model the same images, with the same predictions', async () => {
    const classifier = await load(linearImageClassifier({ ...meanColour, layout: 'NHWC' }));
    expect(classifier.input.layout).toBe('NHWC');
    const scores = await classifier.classify(await colourTensor(classifier), 4);
    expectRows(scores, expectedMeans.map(softmax));
  });

  it('takes outputs that are already probabilities as they are', async () => {
    const classifier = await load(linearImageClassifier({ ...meanColour, softmax: true }));
    const scores = await classifier.classify(await colourTensor(classifier), 4);
    expect(classifier.outputs).toBe('probabilities');
    expectRows(scores, expectedMeans.map(softmax));
  });

  it('refuses outputs configured as probabilities that are not', async () => {
    const classifier = await load(linearImageClassifier(meanColour), { outputs: 'probabilities' });
    const classifying = classifier.classify(await colourTensor(classifier), 4);
    await expect(classifying).rejects.toThrow(RunnerInputError);
    await expect(classifying).rejects.toThrow(
      "model output 'scores' is configured as probabilities, but an image's scores " +
        '[0.200, 0.600, 0.400] are not (non-negative, summing to 1)',
    );
  });

  it('feeds a model fixed to a batch size in chunks, padding the last', async () => {
    for (const batch of [1, 3]) {
      const classifier = await load(linearImageClassifier({ ...meanColour, batch }));
      expect(classifier.input.batchSize).toBe(batch);
      const scores = await classifier.classify(await colourTensor(classifier), 4);
      expectRows(scores, expectedMeans.map(softmax));
    }
  });

  it('takes height and width from the config when the model leaves them open', async () => {
    const model = linearImageClassifier({ ...meanColour, symbolicSize: true });
    await expect(load(model)).rejects.toThrow(
      "model input 'pixels' has shape [N,3,H,W], with no fixed height; set height in the config",
    );
    const classifier = await load(model, { height: SIDE, width: SIDE });
    expect(classifier.input).toMatchObject({
      height: SIDE,
      width: SIDE,
      shape: ['N', 3, 'H', 'W'],
    });
    const scores = await classifier.classify(await colourTensor(classifier), 4);
    expectRows(scores, expectedMeans.map(softmax));
  });

  it('refuses a configured size the model does not take', async () => {
    await expect(load(linearImageClassifier(meanColour), { width: 224 })).rejects.toThrow(
      "model input 'pixels' has shape [N,3,4,4]: its width is 4, not 224 as configured",
    );
  });

  it('refuses a model whose input is not an image batch', async () => {
    const flat = onnxModel({
      nodes: [{ opType: 'MatMul', input: ['x', 'w'], output: ['y'] }],
      initializers: [{ name: 'w', dims: [784, 10], values: new Float32Array(7840) }],
      inputs: [{ name: 'x', shape: [1, 784] }],
      outputs: [{ name: 'y', shape: [1, 10] }],
    });
    const loading = load(flat);
    await expect(loading).rejects.toThrow(RunnerInputError);
    await expect(loading).rejects.toThrow(
      "model input 'x' has shape [1,784]; an image classifier needs [N,3,H,W] or [N,H,W,3]",
    );

    const grey = onnxModel({
      nodes: [{ opType: 'Flatten', input: ['x'], output: ['y'] }],
      inputs: [{ name: 'x', shape: ['N', 1, 28, 28] }],
      outputs: [{ name: 'y', shape: ['N', 784] }],
    });
    await expect(load(grey)).rejects.toThrow(
      "model input 'x' has shape [N,1,28,28]; an image classifier needs [N,3,H,W] or [N,H,W,3]",
    );
  });

  it('asks for the layout when the shape does not show the channels', async () => {
    const open = onnxModel({
      nodes: [{ opType: 'ReduceMean', input: ['x'], output: ['y'] }],
      inputs: [{ name: 'x', shape: ['N', 'C', 'H', 'W'] }],
      outputs: [{ name: 'y', shape: [1, 1, 1, 1] }],
    });
    await expect(load(open, { height: 2, width: 2 })).rejects.toThrow(
      "model input 'x' has shape [N,C,H,W], which does not tell where the channels are; " +
        'set layout to NCHW or NHWC',
    );
    await expect(load(linearImageClassifier(meanColour), { layout: 'NHWC' })).rejects.toThrow(
      "model input 'pixels' has shape [N,3,4,4]; with layout NHWC it would need [N,H,W,3]",
    );
  });

  it('refuses a model with a non-float input or output, or several inputs', async () => {
    const bytes = onnxModel({
      nodes: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
      inputs: [{ name: 'x', shape: ['N', 3, 2, 2], type: 'uint8' }],
      outputs: [{ name: 'y', shape: ['N', 3, 2, 2], type: 'uint8' }],
    });
    await expect(load(bytes)).rejects.toThrow(
      "model input 'x' is of type uint8; images are fed as float32",
    );
    const argmax = onnxModel({
      nodes: [{ opType: 'ArgMax', input: ['x'], output: ['y'] }],
      inputs: [{ name: 'x', shape: ['N', 3, 2, 2] }],
      outputs: [{ name: 'y', shape: [1, 3, 2, 2], type: 'int64' }],
    });
    await expect(load(argmax)).rejects.toThrow(
      "model output 'y' is of type int64; class scores must be float32 or float64",
    );
    const two = onnxModel({
      nodes: [{ opType: 'Add', input: ['a', 'b'], output: ['y'] }],
      inputs: [
        { name: 'a', shape: ['N', 3, 2, 2] },
        { name: 'b', shape: ['N', 3, 2, 2] },
      ],
      outputs: [{ name: 'y', shape: ['N', 3, 2, 2] }],
    });
    await expect(load(two)).rejects.toThrow(
      'the model has 2 inputs (a, b); an image classifier takes one',
    );
  });

  it('refuses a model whose output does not fit the label set', async () => {
    await expect(
      load(linearImageClassifier(meanColour), { labels: ['cat', 'dog'] }),
    ).rejects.toThrow(
      "model output 'scores' gives 3 scores per image; the label set has 2 [cat, dog]",
    );
  });

  it('refuses a file that is not an ONNX model, naming it', async () => {
    const file = join(temp.path, 'model.onnx');
    writeFileSync(file, 'not a model');
    await expect(load(file)).rejects.toThrow(`cannot load ONNX model ${file}`);
    const path = writeModel(join(temp.path, 'real.onnx'), linearImageClassifier(meanColour));
    const fromFile = await ImageClassifier.load(path);
    expect(fromFile.classCount).toBe(3);
    await fromFile.release();
  });
});
