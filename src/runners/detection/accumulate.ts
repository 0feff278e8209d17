// Precision and recall over all images, ported from pycocotools' COCOeval.accumulate.

import { AREA_RANGES, IOU_THRESHOLDS, MAX_DETECTIONS, RECALL_THRESHOLDS } from './coco-params.ts';
import type { CategoryEvaluation } from './image-evaluation.ts';
import { FALSE_POSITIVE, TRUE_POSITIVE } from './image-evaluation.ts';

const T = IOU_THRESHOLDS.length;
const R = RECALL_THRESHOLDS.length;
const A = AREA_RANGES.length;
const M = MAX_DETECTIONS.length;

/** COCOeval.eval's precision and recall arrays, row-major, -1 where nothing counts. */
export interface Accumulation {
  /** Shape [T, R, K, A, M]: interpolated precision at each recall threshold. */
  precision: Float64Array;
  /** Shape [T, K, A, M]: the recall reached with all (up to maxDets per image) detections. */
  recall: Float64Array;
  /** K, the number of categories. */
  categories: number;
}

/** Offset of precision[t, r, k, a, m] for K categories. */
export function precisionAt(t: number, r: number, k: number, a: number, m: number, K: number) {
  return (((t * R + r) * K + k) * A + a) * M + m;
}

/** Offset of recall[t, k, a, m] for K categories. */
export function recallAt(t: number, k: number, a: number, m: number, K: number) {
  return ((t * K + k) * A + a) * M + m;
}

/**
 * The first `maxDet` detections of each image, highest score first across images; equal scores
 * keep their order (image id, then rank in the image) as numpy's mergesort does.
 */
function rankAcrossImages(evaluation: CategoryEvaluation, maxDet: number): Uint32Array {
  const { imageStarts, scores } = evaluation;
  const picked: number[] = [];
  for (let i = 0; i + 1 < imageStarts.length; i += 1) {
    const end = Math.min(imageStarts[i + 1]!, imageStarts[i]! + maxDet);
    for (let j = imageStarts[i]!; j < end; j += 1) picked.push(j);
  }
  return Uint32Array.from(picked.sort((a, b) => scores[b]! - scores[a]! || a - b));
}

/** Accumulates the per-image matches of each category (in category id order), as COCOeval does. */
export function accumulate(categories: CategoryEvaluation[]): Accumulation {
  const K = categories.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  categories.forEach((evaluation, k) => {
    const stride = evaluation.scores.length;
    MAX_DETECTIONS.forEach((maxDet, m) => {
      const ranked = rankAcrossImages(evaluation, maxDet);
      const nd = ranked.length;
      const rc = new Float64Array(nd);
      const pr = new Float64Array(nd);
      evaluation.outcomes.forEach((outcomes, a) => {
        const positives = evaluation.positives[a]!;
        if (positives === 0) return;
        for (let t = 0; t < T; t += 1) {
          let tp = 0;
          let fp = 0;
          for (let i = 0; i < nd; i += 1) {
            const outcome = outcomes[t * stride + ranked[i]!];
            if (outcome === TRUE_POSITIVE) tp += 1;
            else if (outcome === FALSE_POSITIVE) fp += 1;
            rc[i] = tp / positives;
            pr[i] = tp / (fp + tp + Number.EPSILON);
          }
          recall[recallAt(t, k, a, m, K)] = nd > 0 ? rc[nd - 1]! : 0;
          // The precision envelope: at each rank, the best precision at this or a higher recall.
          for (let i = nd - 1; i > 0; i -= 1) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
          // np.searchsorted(rc, recThrs, side='left'); a recall never reached gets precision 0.
          let i = 0;
          for (let r = 0; r < R; r += 1) {
            while (i < nd && rc[i]! < RECALL_THRESHOLDS[r]!) i += 1;
            precision[precisionAt(t, r, k, a, m, K)] = i < nd ? pr[i]! : 0;
          }
        }
      });
    });
  });
  return { precision, recall, categories: K };
}
