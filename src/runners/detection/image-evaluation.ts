// Per-image matching of detections to ground truths, ported from pycocotools' COCOeval
// (computeIoU and evaluateImg in PythonAPI/pycocotools/cocoeval.py) for boxes. Every order and
// comparison is kept, since ties and thresholds decide which ground truth a detection takes.
import { boxIou } from './box-iou.ts';
import type { CocoAnnotation } from './coco-ground-truth.ts';
import { AREA_RANGES, IOU_THRESHOLDS, MAX_DETECTIONS } from './coco-params.ts';
import type { CocoResult } from './coco-results.ts';

/** A detection that matched a ground truth that counts. */
export const TRUE_POSITIVE = 1;
/** A detection that matched nothing, or a ground truth whose id is 0 (see below). */
export const FALSE_POSITIVE = 0;
/** A detection matched to an ignored ground truth, or unmatched and outside the area range. */
const IGNORED = 2;

/** One image's ground truths and detections of one category, in file order. */
export interface ImageCategory {
  groundTruths: CocoAnnotation[];
  detections: CocoResult[];
}

/** The matching of one category's detections on every image that has any of its objects. */
export interface CategoryEvaluation {
  /**
   * Scores of the evaluated detections: image after image in the order given, each image's
   * highest first and at most the largest maxDets of them.
   */
  scores: Float64Array;
  /** Where each image's detections start in `scores`, plus the total at the end. */
  imageStarts: Uint32Array;
  /** Per area range: each detection's outcome at IoU threshold t, at `t * scores.length + j`. */
  outcomes: Uint8Array[];
  /** Per area range: how many ground truths count (are neither crowd nor outside the range). */
  positives: number[];
}

const EVALUATED_PER_IMAGE = MAX_DETECTIONS[MAX_DETECTIONS.length - 1]!;
const T = IOU_THRESHOLDS.length;

/** Indices of the detections, highest score first; equal scores keep file order (mergesort). */
function byScore(detections: CocoResult[]): number[] {
  return detections
    .map((_, i) => i)
    .sort((a, b) => detections[b]!.score - detections[a]!.score || a - b)
    .slice(0, EVALUATED_PER_IMAGE);
}

/**
 * Matches each category's detections to its ground truths on each image (images in id order),
 * at every IoU threshold and area range, as COCOeval.evaluate does.
 */
export function evaluateCategory(images: ImageCategory[]): CategoryEvaluation {
  const imageStarts = new Uint32Array(images.length + 1);
  const kept = images.map((image) => byScore(image.detections));
  kept.forEach((order, i) => {
    imageStarts[i + 1] = imageStarts[i]! + order.length;
  });
  const total = imageStarts[images.length]!;
  const scores = new Float64Array(total);
  const outcomes = AREA_RANGES.map(() => new Uint8Array(T * total));
  const positives = AREA_RANGES.map(() => 0);
  images.forEach((image, i) => {
    const detections = kept[i]!.map((d) => image.detections[d]!);
    const start = imageStarts[i]!;
    detections.forEach((detection, d) => {
      scores[start + d] = detection.score;
    });
    const ious = iouMatrix(detections, image.groundTruths);
    AREA_RANGES.forEach((range, a) => {
      positives[a]! += matchImage(
        detections,
        image.groundTruths,
        ious,
        range,
        outcomes[a]!,
        start,
        total,
      );
    });
  });
  return { scores, imageStarts, outcomes, positives };
}

/** IoUs of the detections (rows) with the ground truths (columns, in file order). */
function iouMatrix(detections: CocoResult[], groundTruths: CocoAnnotation[]): Float64Array {
  const G = groundTruths.length;
  const ious = new Float64Array(detections.length * G);
  detections.forEach((detection, d) => {
    groundTruths.forEach((gt, g) => {
      ious[d * G + g] = boxIou(detection.bbox, gt.bbox, gt.iscrowd === 1);
    });
  });
  return ious;
}

/**
 * evaluateImg for one area range: writes each detection's outcome per IoU threshold into
 * `outcomes` (at `t * stride + start + d`) and returns how many ground truths count.
 */
function matchImage(
  detections: CocoResult[],
  groundTruths: CocoAnnotation[],
  ious: Float64Array,
  [low, high]: readonly [number, number],
  outcomes: Uint8Array,
  start: number,
  stride: number,
): number {
  const G = groundTruths.length;
  const ignoredGt = groundTruths.map((gt) => gt.iscrowd === 1 || gt.area < low || gt.area > high);
  // Ground truths that count first, each group in file order (a stable sort on the flag): a
  // detection stops looking once it holds one that counts and only ignored ones are left.
  const counting = groundTruths.flatMap((_, g) => (ignoredGt[g] ? [] : [g]));
  const order = [...counting, ...groundTruths.flatMap((_, g) => (ignoredGt[g] ? [g] : []))];
  const taken = new Uint8Array(G);
  for (let t = 0; t < T; t += 1) {
    taken.fill(0);
    const row = t * stride + start;
    detections.forEach((detection, d) => {
      let best = Math.min(IOU_THRESHOLDS[t]!, 1 - 1e-10);
      let match = -1;
      for (let i = 0; i < G; i += 1) {
        const g = order[i]!;
        if (taken[i] && !groundTruths[g]!.iscrowd) continue;
        if (match > -1 && !ignoredGt[order[match]!] && ignoredGt[g]) break;
        const iou = ious[d * G + g]!;
        if (iou < best) continue;
        best = iou;
        match = i;
      }
      const area = detection.bbox[2] * detection.bbox[3];
      const outside = area < low || area > high;
      if (match === -1) {
        outcomes[row + d] = outside ? IGNORED : FALSE_POSITIVE;
        return;
      }
      taken[match] = 1;
      // pycocotools records a match as the ground truth's id and tests that id for truth, so
      // a match with an annotation whose id is 0 is taken as no match; kept for equal numbers.
      const matched = groundTruths[order[match]!]!.id !== 0;
      if (ignoredGt[order[match]!] || (!matched && outside)) outcomes[row + d] = IGNORED;
      else outcomes[row + d] = matched ? TRUE_POSITIVE : FALSE_POSITIVE;
    });
  }
  return counting.length;
}
