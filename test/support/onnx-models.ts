// Small real ONNX models built in the test, whose outputs a test can work out by hand.
import { writeFileSync } from 'node:fs';
import op from 'onnx-proto';

const { onnx } = op;

/** ONNX TensorProto data types used here. */
const elementTypes = { float32: 1, uint8: 2, int64: 7 } as const;

export interface ValueSpec {
  name: string;
  /** A string is a symbolic dimension. */
  shape: Array<number | string>;
  type?: keyof typeof elementTypes;
}

export interface GraphSpec {
  nodes: Array<{ opType: string; input: string[]; output: string[] }>;
  /** float32 constants. */
  initializers?: Array<{ name: string; dims: number[]; values: ArrayLike<number> }>;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
}

function valueInfo({ name, shape, type = 'float32' }: ValueSpec) {
  const dim = shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType: elementTypes[type], shape: { dim } } } };
}

/** The bytes of an ONNX model (IR 8, opset 17) with the given graph. */
export function onnxModel(graph: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'evalhub-tests',
    graph: onnx.GraphProto.create({
      name: 'test',
      node: graph.nodes,
      initializer: (graph.initializers ?? []).map(({ name, dims, values }) => ({
        name,
        dims,
        dataType: elementTypes.float32,
        floatData: Array.from(values),
      })),
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

export interface LinearImageClassifierOptions {
  height: number;
  width: number;
  classes: number;
  /** The weight of tensor channel `channel` at (y, x) in class `cls`'s score. */
  weight: (channel: number, y: number, x: number, cls: number) => number;
  /** One per class; zeros by default. */
  bias?: number[];
  layout?: 'NCHW' | 'NHWC';
  /** Ends with a Softmax, so the model outputs probabilities. */
  softmax?: boolean;
  /** The batch dimension: a fixed size or a symbolic name ('N' by default). */
  batch?: number | string;
  /** Declare height and width as symbolic ('H', 'W'); the model still needs the given size. */
  symbolicSize?: boolean;
}

/**
 * A linear classifier over the pixels of an image tensor: Flatten, MatMul, Add (and Softmax).
 * Input `pixels` ([N,3,H,W] or [N,H,W,3]), output `scores` [N, classes].
 */
export function linearImageClassifier(options: LinearImageClassifierOptions): Uint8Array {
  const { height: h, width: w, classes, layout = 'NCHW' } = options;
  const weights = new Float32Array(3 * h * w * classes);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const flat = layout === 'NCHW' ? (c * h + y) * w + x : (y * w + x) * 3 + c;
        for (let k = 0; k < classes; k++) weights[flat * classes + k] = options.weight(c, y, x, k);
      }
    }
  }
  const [hDim, wDim] = options.symbolicSize ? ['H', 'W'] : [h, w];
  const batch = options.batch ?? 'N';
  const shape = layout === 'NCHW' ? [batch, 3, hDim, wDim] : [batch, hDim, wDim, 3];
  const nodes = [
    { opType: 'Flatten', input: ['pixels'], output: ['flat'] },
    { opType: 'MatMul', input: ['flat', 'weights'], output: ['product'] },
    { opType: 'Add', input: ['product', 'bias'], output: [options.softmax ? 'logits' : 'scores'] },
  ];
  if (options.softmax) nodes.push({ opType: 'Softmax', input: ['logits'], output: ['scores'] });
  return onnxModel({
    nodes,
    initializers: [
      { name: 'weights', dims: [3 * h * w, classes], values: weights },
      { name: 'bias', dims: [classes], values: options.bias ?? new Array(classes).fill(0) },
    ],
    inputs: [{ name: 'pixels', shape }],
    outputs: [{ name: 'scores', shape: [batch, classes] }],
  });
}

/** Writes model bytes to `path`; returns `path`. */
export function writeModel(path: string, bytes: Uint8Array): string {
  writeFileSync(path, bytes);
  return path;
}

/**
 * The bytes of a tiny real ONNX model: `x` float32 [N,4] through Identity to `y` [N,4],
 * for tests that register a model without running it. Models with different `name`s have
 * different bytes (so different digests).
 */
export function onnxBytes(name = 'tiny'): Buffer {
  const model = onnx.ModelProto.decode(
    onnxModel({
      nodes: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
      inputs: [{ name: 'x', shape: ['N', 4] }],
      outputs: [{ name: 'y', shape: ['N', 4] }],
    }),
  );
  model.graph!.name = name;
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}
