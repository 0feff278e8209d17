// COCO AP of a resample of the images, for a bootstrap interval. Matching detections to ground
// truth is per image and category, so it is done once; a resample only concatenates the
// matched images it drew (repeats included, each counted as an image of its own) and
// accumulates them as COCOeval does, which costs a sort of the detections, not a re-match.
// Only the all-areas range is carried: AP reads nothing else, and accumulate leaves the
// precision of ranges it is not given at -1, so a resample costs a quarter as much.
import { accumulate } from '../detection/accumulate.ts';
import type { CocoGroundTruth } from '../detection/coco-ground-truth.ts';
import { AREA_ALL, IOU_THRESHOLDS } from '../detection/coco-params.ts';
import type { CocoResult } from '../detection/coco-results.ts';
import {
  type CategoryEvaluation,
  evaluateCategory,
  type ImageCategory,
} from '../detection/image-evaluation.ts';
import { summarize } from '../detection/summarize.ts';

const T = IOU_THRESHOLDS.length;

/** Concatenates per-image evaluations of one category, in the order given, all areas only. */
function concatenate(pieces: readonly CategoryEvaluation[]): CategoryEvaluation {
  let total = 0;
  for (const piece of pieces) total += piece.scores.length;
  const scores = new Float64Array(total);
  const imageStarts = new Uint32Array(pieces.length + 1);
  const outcomes = new Uint8Array(T * total);
  let positives = 0;
  let at = 0;
  pieces.forEach((piece, i) => {
    const n = piece.scores.length;
    scores.set(piece.scores, at);
    imageStarts[i + 1] = at + n;
    const rows = piece.outcomes[AREA_ALL]!;
    for (let t = 0; t < T; t++) outcomes.set(rows.subarray(t * n, (t + 1) * n), t * total + at);
    positives += piece.positives[AREA_ALL]!;
    at += n;
  });
  return { scores, imageStarts, outcomes: [outcomes], positives: [positives] };
}

/**
 * A function giving COCO AP@[.5:.95] of the images at the given positions (positions in
 * ascending image-id order, as `evaluateCoco` orders them; repeats allowed). The identity
 * gives `evaluateCoco`'s AP exactly. A resample in which no ground truth counts has no AP
 * (pycocotools' -1); it scores 0, which only a dataset with few annotated images would meet.
 * Results and annotations must already be checked against the ground truth.
 */
export function apOfImageResample(
  groundTruth: CocoGroundTruth,
  results: readonly CocoResult[],
): (positions: Int32Array) => number {
  const imageIds = [...new Set(groundTruth.images.map((image) => image.id))].sort((a, b) => a - b);
  const position = new Map(imageIds.map((id, i) => [id, i]));
  const categoryIds = [...new Set(groundTruth.categories.map((c) => c.id))].sort((a, b) => a - b);
  const cells = new Map(categoryIds.map((id) => [id, new Map<number, ImageCategory>()]));
  const cellOf = (imageId: number, categoryId: number): ImageCategory => {
    const byImage = cells.get(categoryId)!;
    const at = position.get(imageId)!;
    let cell = byImage.get(at);
    if (!cell) {
      cell = { groundTruths: [], detections: [] };
      byImage.set(at, cell);
    }
    return cell;
  };
  for (const annotation of groundTruth.annotations) {
    cellOf(annotation.image_id, annotation.category_id).groundTruths.push(annotation);
  }
  for (const result of results) cellOf(result.image_id, result.category_id).detections.push(result);
  const evaluated = categoryIds.map(
    (id) =>
      new Map([...cells.get(id)!].map(([at, cell]) => [at, evaluateCategory([cell])] as const)),
  );
  const sorted = new Int32Array(imageIds.length);
  return (positions) => {
    sorted.set(positions);
    sorted.sort();
    const categories = evaluated.map((byImage) => {
      const pieces: CategoryEvaluation[] = [];
      for (const at of sorted) {
        const piece = byImage.get(at);
        if (piece) pieces.push(piece);
      }
      return concatenate(pieces);
    });
    return summarize(accumulate(categories)).AP ?? 0;
  };
}
