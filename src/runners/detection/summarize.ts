// The twelve COCO numbers and per-category AP, from the accumulated precision and recall
// (COCOeval.summarize, and the per-category AP detectron2 and others read off the same array).
import { type Accumulation, precisionAt, recallAt } from './accumulate.ts';
import {
  AREA_ALL,
  AREA_LARGE,
  AREA_MEDIUM,
  AREA_SMALL,
  IOU_THRESHOLDS,
  MAX_DETECTIONS,
  RECALL_THRESHOLDS,
} from './coco-params.ts';
import { numpyMean } from './numpy-mean.ts';

/**
 * COCOeval's stats, by name. null where pycocotools prints -1: no ground truth counts in that
 * area range (e.g. APsmall of a dataset without small objects).
 */
export interface CocoMetrics {
  /** AP averaged over IoU .50:.05:.95, all areas, 100 detections per image: the COCO mAP. */
  AP: number | null;
  AP50: number | null;
  AP75: number | null;
  /** AP of objects of area < 32². */
  APsmall: number | null;
  /** AP of objects of area 32² to 96². */
  APmedium: number | null;
  /** AP of objects of area > 96². */
  APlarge: number | null;
  /** Recall averaged over IoU .50:.95, with 1 detection per image. */
  AR1: number | null;
  AR10: number | null;
  AR100: number | null;
  ARsmall: number | null;
  ARmedium: number | null;
  ARlarge: number | null;
}

const ALL_THRESHOLDS = Array.from(IOU_THRESHOLDS, (_, t) => t);
const MOST = MAX_DETECTIONS.length - 1;

/** The IoU threshold indices equal to `iou` (none if no threshold is exactly it, as in numpy). */
function thresholdsAt(iou: number): number[] {
  return ALL_THRESHOLDS.filter((t) => IOU_THRESHOLDS[t] === iou);
}

/** np.mean of the entries > -1, or null when there are none. */
function meanOfValid(values: number[]): number | null {
  const valid = values.filter((v) => v > -1);
  return valid.length === 0 ? null : numpyMean(valid);
}

/** Mean precision over thresholds `ts`, all recall thresholds and categories `ks`. */
function averagePrecision(
  { precision, categories: K }: Accumulation,
  ts: number[],
  ks: number[],
  area: number,
  m: number,
): number | null {
  const values: number[] = [];
  for (const t of ts) {
    for (let r = 0; r < RECALL_THRESHOLDS.length; r += 1) {
      for (const k of ks) values.push(precision[precisionAt(t, r, k, area, m, K)]!);
    }
  }
  return meanOfValid(values);
}

/** Mean recall over all thresholds and categories. */
function averageRecall({ recall, categories: K }: Accumulation, area: number, m: number) {
  const values: number[] = [];
  for (const t of ALL_THRESHOLDS)
    for (let k = 0; k < K; k += 1) values.push(recall[recallAt(t, k, area, m, K)]!);
  return meanOfValid(values);
}

/** The twelve numbers COCOeval.summarize prints for boxes. */
export function summarize(accumulation: Accumulation): CocoMetrics {
  const ks = Array.from({ length: accumulation.categories }, (_, k) => k);
  const ap = (ts: number[], area: number) => averagePrecision(accumulation, ts, ks, area, MOST);
  return {
    AP: ap(ALL_THRESHOLDS, AREA_ALL),
    AP50: ap(thresholdsAt(0.5), AREA_ALL),
    AP75: ap(thresholdsAt(0.75), AREA_ALL),
    APsmall: ap(ALL_THRESHOLDS, AREA_SMALL),
    APmedium: ap(ALL_THRESHOLDS, AREA_MEDIUM),
    APlarge: ap(ALL_THRESHOLDS, AREA_LARGE),
    AR1: averageRecall(accumulation, AREA_ALL, 0),
    AR10: averageRecall(accumulation, AREA_ALL, 1),
    AR100: averageRecall(accumulation, AREA_ALL, MOST),
    ARsmall: averageRecall(accumulation, AREA_SMALL, MOST),
    ARmedium: averageRecall(accumulation, AREA_MEDIUM, MOST),
    ARlarge: averageRecall(accumulation, AREA_LARGE, MOST),
  };
}

/**
 * Category k's AP, AP50 and AP75 (all areas, 100 detections per image), each the mean of
 * precision[t, :, k, all, 100] over entries > -1; null when none of its ground truths counts.
 */
export function categoryPrecision(accumulation: Accumulation, k: number) {
  return {
    AP: averagePrecision(accumulation, ALL_THRESHOLDS, [k], AREA_ALL, MOST),
    AP50: averagePrecision(accumulation, thresholdsAt(0.5), [k], AREA_ALL, MOST),
    AP75: averagePrecision(accumulation, thresholdsAt(0.75), [k], AREA_ALL, MOST),
  };
}
