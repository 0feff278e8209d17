// The classification benchmark's workload, generated the same every time: an image folder of
// JPEG photos-to-be (oriented stripes under clutter and noise, one orientation per class)
// and an ONNX classifier that does real compute on them (a 12288 -> 256 -> 10 perceptron
// whose first layer holds a quadrature pair of templates per class).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import op from 'onnx-proto';
import sharp from 'sharp';

const { onnx } = op;

export interface ClassificationWorkload {
  /** The dataset: one folder per class, named so their sorted order is the class order. */
  folder: string;
  /** The .onnx file: input `pixels` [N,3,SIDE,SIDE] in [0, 1], output `scores` [N,CLASSES]. */
  model: string;
  labels: string[];
  /** Every image, class by class, each folder's files sorted: the order the hub reads them. */
  items: Array<{ path: string; label: number }>;
}

export const CLASSES = 10;
const IMAGES_PER_CLASS = 100;
/** The model's input side; images are resized to it. */
export const SIDE = 64;
const HIDDEN = 256;
const IMAGE_WIDTH = 160;
const IMAGE_HEIGHT = 120;
/** Stripes per image width, in coordinates scaled to the image so resizing keeps them. */
const CYCLES = 5;

/** A seeded generator (mulberry32): uniform in [0, 1). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The orientation of class k's stripes. */
const angleOf = (k: number) => (k * Math.PI) / CLASSES;

/** The stripes' phase at (u, v), coordinates in [0, 1] of the image. */
const phaseAt = (k: number, u: number, v: number) =>
  2 * Math.PI * CYCLES * (u * Math.cos(angleOf(k)) + v * Math.sin(angleOf(k)));

const clampByte = (value: number) => Math.max(0, Math.min(255, Math.round(value)));

/**
 * One image of class k: a background with a brightness gradient, stripes of the class's
 * orientation at a random phase, contrast and tint, a few solid discs in the way, and noise.
 * The weaker the stripes and the more the clutter, the likelier a mistake.
 */
function drawImage(k: number, random: () => number): Buffer {
  const pixels = Buffer.alloc(IMAGE_WIDTH * IMAGE_HEIGHT * 3);
  const base = [60 + 120 * random(), 60 + 120 * random(), 60 + 120 * random()];
  const tint = [0.6 + 0.4 * random(), 0.6 + 0.4 * random(), 0.6 + 0.4 * random()];
  const contrast = 3 + 25 * random();
  const phase = 2 * Math.PI * random();
  const gradient = [(random() - 0.5) * 60, (random() - 0.5) * 60];
  const discs = Array.from({ length: 2 + Math.floor(5 * random()) }, () => ({
    x: IMAGE_WIDTH * random(),
    y: IMAGE_HEIGHT * random(),
    r: 6 + 22 * random(),
    colour: [255 * random(), 255 * random(), 255 * random()],
  }));
  for (let y = 0; y < IMAGE_HEIGHT; y++) {
    for (let x = 0; x < IMAGE_WIDTH; x++) {
      const u = (x + 0.5) / IMAGE_WIDTH;
      const v = (y + 0.5) / IMAGE_HEIGHT;
      const stripe = contrast * Math.cos(phaseAt(k, u, v) + phase);
      const shade = gradient[0]! * (u - 0.5) + gradient[1]! * (v - 0.5);
      const disc = discs.find((d) => (x - d.x) ** 2 + (y - d.y) ** 2 < d.r ** 2);
      for (let c = 0; c < 3; c++) {
        const value = disc ? disc.colour[c]! : base[c]! + shade + tint[c]! * stripe;
        pixels[(y * IMAGE_WIDTH + x) * 3 + c] = clampByte(value + 70 * (random() - 0.5));
      }
    }
  }
  return pixels;
}

/** The ONNX model bytes (IR 8, opset 17): Flatten, MatMul, Relu, MatMul, Softmax. */
function modelBytes(): Uint8Array {
  const random = generator(7);
  const inputs = 3 * SIDE * SIDE;
  // Hidden units 4k..4k+3 answer to class k's stripes: +-cos and +-sin templates, so that
  // after Relu their sum measures the stripes' strength whatever their phase. The other
  // units are random features, as an untrained part of a network would be.
  const first = new Float32Array(inputs * HIDDEN);
  const templateScale = 8 / inputs;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const row = ((c * SIDE + y) * SIDE + x) * HIDDEN;
        const [u, v] = [(x + 0.5) / SIDE, (y + 0.5) / SIDE];
        for (let k = 0; k < CLASSES; k++) {
          const phase = phaseAt(k, u, v);
          const [cos, sin] = [Math.cos(phase) * templateScale, Math.sin(phase) * templateScale];
          first[row + 4 * k] = cos;
          first[row + 4 * k + 1] = -cos;
          first[row + 4 * k + 2] = sin;
          first[row + 4 * k + 3] = -sin;
        }
        for (let h = 4 * CLASSES; h < HIDDEN; h++) first[row + h] = (random() - 0.5) * 0.02;
      }
    }
  }
  const second = new Float32Array(HIDDEN * CLASSES);
  for (let h = 0; h < HIDDEN; h++) {
    for (let k = 0; k < CLASSES; k++) {
      second[h * CLASSES + k] =
        h < 4 * CLASSES ? (Math.floor(h / 4) === k ? 12 : 0) : (random() - 0.5) * 0.1;
    }
  }
  const tensor = (name: string, dims: number[], values: Float32Array) => ({
    name,
    dims,
    dataType: 1,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  });
  const value = (name: string, dim: Array<number | string>) => ({
    name,
    type: {
      tensorType: {
        elemType: 1,
        shape: { dim: dim.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'evalhub-bench',
    graph: onnx.GraphProto.create({
      name: 'stripes-mlp',
      node: [
        { opType: 'Flatten', input: ['pixels'], output: ['flat'] },
        { opType: 'MatMul', input: ['flat', 'w1'], output: ['h'] },
        { opType: 'Relu', input: ['h'], output: ['hr'] },
        { opType: 'MatMul', input: ['hr', 'w2'], output: ['logits'] },
        { opType: 'Softmax', input: ['logits'], output: ['scores'] },
      ],
      initializer: [tensor('w1', [inputs, HIDDEN], first), tensor('w2', [HIDDEN, CLASSES], second)],
      input: [value('pixels', ['N', 3, SIDE, SIDE])],
      output: [value('scores', ['N', CLASSES])],
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Writes the dataset and the model under `root` (an empty folder). */
export async function writeClassificationWorkload(root: string): Promise<ClassificationWorkload> {
  const folder = join(root, 'stripes');
  const labels = Array.from(
    { length: CLASSES },
    (_, k) => `orientation-${String(k * 18).padStart(3, '0')}`,
  );
  const items: ClassificationWorkload['items'] = [];
  for (const [k, label] of labels.entries()) {
    mkdirSync(join(folder, label), { recursive: true });
    const random = generator(1000 + k);
    const encoded = Array.from({ length: IMAGES_PER_CLASS }, (_, i) => {
      const path = join(folder, label, `${String(i).padStart(4, '0')}.jpg`);
      items.push({ path, label: k });
      const raw = drawImage(k, random);
      return sharp(raw, { raw: { width: IMAGE_WIDTH, height: IMAGE_HEIGHT, channels: 3 } })
        .jpeg({ quality: 90 })
        .toFile(path);
    });
    await Promise.all(encoded);
  }
  const model = join(root, 'stripes-mlp.onnx');
  writeFileSync(model, modelBytes());
  return { folder, model, labels, items };
}
