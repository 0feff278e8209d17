// COCO box detection evaluation: a TypeScript port of pycocotools' COCOeval with iouType 'bbox'
// and its default parameters (cocodataset/cocoapi PythonAPI/pycocotools/cocoeval.py), giving the
// same numbers as `COCOeval(gt, gt.loadRes(results), 'bbox')` then evaluate/accumulate/summarize.
import { RunnerInputError } from '../contract.ts';
import { accumulate } from './accumulate.ts';
import type { CocoGroundTruth } from './coco-ground-truth.ts';
import type { CocoResult } from './coco-results.ts';
import { evaluateCategory, type ImageCategory } from './image-evaluation.ts';
import { type CocoMetrics, categoryPrecision, summarize } from './summarize.ts';

export interface CocoClassMetrics {
  categoryId: number;
  name: string;
  /** AP@[.50:.95] of this category alone; null (pycocotools: -1) when it has no ground truth. */
  AP: number | null;
  AP50: number | null;
  AP75: number | null;
  /** Its ground-truth objects, crowd regions not counted. */
  groundTruths: number;
  /** Its detections in the results, before the 100-per-image cap. */
  detections: number;
}

export interface CocoSummary {
  metrics: CocoMetrics;
  /** One entry per category of the ground truth, in category id order. */
  perClass: CocoClassMetrics[];
  counts: {
    images: number;
    categories: number;
    /** Ground-truth objects, crowd regions not counted. */
    groundTruths: number;
    crowdRegions: number;
    detections: number;
  };
}

/** Position of each id in ascending id order (pycocotools evaluates images and categories so). */
function positions(ids: number[]): Map<number, number> {
  return new Map([...new Set(ids)].sort((a, b) => a - b).map((id, i) => [id, i]));
}

/**
 * Evaluates box detections against a COCO ground truth as pycocotools' COCOeval does: the twelve
 * summary metrics and AP per category. Detections are ranked by score (ties keep input order),
 * at most 100 per image and category count, and a detection's area is its box's; a ground
 * truth's area is its `area` field. Throws RunnerInputError for a result or annotation whose
 * image or category the ground truth does not list.
 */
export function evaluateCoco(
  groundTruth: CocoGroundTruth,
  results: readonly CocoResult[],
): CocoSummary {
  const imageAt = positions(groundTruth.images.map((image) => image.id));
  const categories = [...new Map(groundTruth.categories.map((c) => [c.id, c])).values()].sort(
    (a, b) => a.id - b.id,
  );
  const categoryAt = positions(categories.map((category) => category.id));
  const cells = categories.map(() => new Map<number, ImageCategory>());
  const cellOf = (what: string, imageId: number, categoryId: number): ImageCategory => {
    const i = imageAt.get(imageId);
    if (i === undefined)
      throw new RunnerInputError(
        `${what} is for image ${imageId}, which the ground truth does not list`,
      );
    const k = categoryAt.get(categoryId);
    if (k === undefined)
      throw new RunnerInputError(
        `${what} is of category ${categoryId}, which the ground truth does not list`,
      );
    let cell = cells[k]!.get(i);
    if (cell === undefined) {
      cell = { groundTruths: [], detections: [] };
      cells[k]!.set(i, cell);
    }
    return cell;
  };
  for (const annotation of groundTruth.annotations) {
    const what = `ground-truth annotation ${annotation.id}`;
    cellOf(what, annotation.image_id, annotation.category_id).groundTruths.push(annotation);
  }
  results.forEach((result, index) => {
    cellOf(`result ${index}`, result.image_id, result.category_id).detections.push(result);
  });
  const accumulation = accumulate(
    cells.map((byImage) =>
      evaluateCategory([...byImage.entries()].sort(([a], [b]) => a - b).map(([, cell]) => cell)),
    ),
  );
  const perClass = categories.map((category, k): CocoClassMetrics => {
    let groundTruths = 0;
    let detections = 0;
    for (const cell of cells[k]!.values()) {
      groundTruths += cell.groundTruths.filter((gt) => gt.iscrowd === 0).length;
      detections += cell.detections.length;
    }
    return {
      categoryId: category.id,
      name: category.name,
      ...categoryPrecision(accumulation, k),
      groundTruths,
      detections,
    };
  });
  const crowdRegions = groundTruth.annotations.filter((gt) => gt.iscrowd === 1).length;
  return {
    metrics: summarize(accumulation),
    perClass,
    counts: {
      images: imageAt.size,
      categories: categories.length,
      groundTruths: groundTruth.annotations.length - crowdRegions,
      crowdRegions,
      detections: results.length,
    },
  };
}
