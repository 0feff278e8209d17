// The baseline of the classification benchmark: the loop an engineer would write with
// onnxruntime-node and sharp alone. Per batch: decode and resize its images at once (sharp
// works on libuv's threads), scale to [0, 1] in NCHW, run the model, take the argmax.
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';

export interface BareClassification {
  /** The predicted class of each item, in order. */
  predicted: Int32Array;
  correct: number;
  accuracy: number;
  milliseconds: number;
  /** Of which decoding, resizing and building tensors. */
  decodeMs: number;
  /** Of which session.run. */
  inferenceMs: number;
}

/** An open model for `classify`; close it with `session.release()`. */
export function openBareSession(model: string): Promise<InferenceSession> {
  return InferenceSession.create(model);
}

/**
 * Classifies `items` with `session` (input `pixels` [N,3,side,side], output `scores`),
 * `batchSize` at a time, resizing bilinearly as the hub does by default.
 */
export async function classifyBare(
  session: InferenceSession,
  items: ReadonlyArray<{ path: string; label: number }>,
  side: number,
  batchSize: number,
): Promise<BareClassification> {
  const start = performance.now();
  const area = side * side;
  const predicted = new Int32Array(items.length);
  let correct = 0;
  let decodeMs = 0;
  let inferenceMs = 0;
  for (let first = 0; first < items.length; first += batchSize) {
    const batch = items.slice(first, first + batchSize);
    const decodeStart = performance.now();
    const decoded = await Promise.all(
      batch.map((item) =>
        sharp(item.path)
          .resize(side, side, { fit: 'fill', kernel: 'linear' })
          .removeAlpha()
          .raw()
          .toBuffer(),
      ),
    );
    const tensor = new Float32Array(batch.length * 3 * area);
    decoded.forEach((pixels, i) => {
      for (let c = 0; c < 3; c++) {
        const offset = (i * 3 + c) * area;
        for (let p = 0; p < area; p++) tensor[offset + p] = pixels[p * 3 + c]! / 255;
      }
    });
    const inferenceStart = performance.now();
    decodeMs += inferenceStart - decodeStart;
    const output = await session.run({
      pixels: new Tensor('float32', tensor, [batch.length, 3, side, side]),
    });
    inferenceMs += performance.now() - inferenceStart;
    const scores = output.scores!.data as Float32Array;
    const classes = scores.length / batch.length;
    batch.forEach((item, i) => {
      let best = 0;
      for (let k = 1; k < classes; k++) {
        if (scores[i * classes + k]! > scores[i * classes + best]!) best = k;
      }
      predicted[first + i] = best;
      if (best === item.label) correct++;
    });
  }
  return {
    predicted,
    correct,
    accuracy: correct / items.length,
    milliseconds: performance.now() - start,
    decodeMs,
    inferenceMs,
  };
}
