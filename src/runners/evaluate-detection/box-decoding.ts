// A detector's raw boxes for one image, in its input's frame and box format, turned into COCO
// results: [x, y, width, height] in the original image's pixels, with a category id.
import { RunnerInputError } from '../contract.ts';
import type { CocoResult } from '../detection/coco-results.ts';
import type { DetectorConfig } from './config.ts';
import type { CategoryOfLabel } from './label-mapping.ts';

/** One image's detections as the model gave them. */
export interface RawDetections {
  /** K boxes, 4 numbers each, in `boxFormat`. */
  boxes: ArrayLike<number>;
  /** K scores. */
  scores: ArrayLike<number>;
  /** K class labels. */
  labels: ArrayLike<number>;
}

export interface DecodingOptions
  extends Pick<DetectorConfig, 'boxFormat' | 'coordinates' | 'scoreThreshold' | 'maxDetections'> {
  /** The model input's size. */
  inputWidth: number;
  inputHeight: number;
  categoryOf: CategoryOfLabel;
}

/** [x1, y1, x2, y2] of a box given in `format`. */
function corners(format: DetectorConfig['boxFormat'], a: number, b: number, c: number, d: number) {
  if (format === 'xyxy') return [a, b, c, d] as const;
  if (format === 'xywh') return [a, b, a + c, b + d] as const;
  return [a - c / 2, b - d / 2, a + c / 2, b + d / 2] as const;
}

/**
 * The COCO results of one image (`imageId`, `width` x `height` pixels) from its raw detections:
 * those scoring at least the threshold, the `maxDetections` best (ties in model order), boxes
 * scaled from the input frame to the image (the input was the whole image stretched to the
 * input size). A box with its corners swapped gets width or height 0, so it still counts as a
 * (false) detection. A label the mapping drops drops its detection.
 */
export function decodeDetections(
  raw: RawDetections,
  image: { imageId: number; width: number; height: number; id: string },
  options: DecodingOptions,
): CocoResult[] {
  const count = raw.scores.length;
  if (raw.boxes.length !== count * 4 || raw.labels.length !== count) {
    throw new RunnerInputError(
      `the detector gave ${raw.boxes.length / 4} boxes, ${count} scores and ` +
        `${raw.labels.length} labels for image ${image.id}; they must pair up`,
    );
  }
  const scaleX =
    options.coordinates === 'normalized' ? image.width : image.width / options.inputWidth;
  const scaleY =
    options.coordinates === 'normalized' ? image.height : image.height / options.inputHeight;
  const kept: Array<CocoResult & { order: number }> = [];
  for (let k = 0; k < count; k++) {
    const score = raw.scores[k]!;
    const values = [0, 1, 2, 3].map((j) => raw.boxes[k * 4 + j]!);
    const label = raw.labels[k]!;
    if (![score, label, ...values].every(Number.isFinite)) {
      throw new RunnerInputError(
        `the detector gave a non-finite box, score or label for image ${image.id}: ` +
          `box [${values.join(', ')}], score ${score}, label ${label}`,
      );
    }
    if (score < options.scoreThreshold) continue;
    if (!Number.isInteger(label)) {
      throw new RunnerInputError(
        `the detector gave label ${label} for image ${image.id}; labels must be whole numbers`,
      );
    }
    const categoryId = options.categoryOf(label);
    if (categoryId === null) continue;
    const [x1, y1, x2, y2] = corners(
      options.boxFormat,
      ...(values as [number, number, number, number]),
    );
    kept.push({
      image_id: image.imageId,
      category_id: categoryId,
      bbox: [
        x1 * scaleX,
        y1 * scaleY,
        Math.max(0, x2 - x1) * scaleX,
        Math.max(0, y2 - y1) * scaleY,
      ],
      score,
      order: k,
    });
  }
  kept.sort((a, b) => b.score - a.score || a.order - b.order);
  return kept.slice(0, options.maxDetections).map(({ order: _, ...result }) => result);
}
