// Reading a COCO detection results JSON file: an array of scored boxes, each for an image and a
// category of the ground truth it is evaluated against.
import type { CocoGroundTruth } from './coco-ground-truth.ts';
import {
  boxAt,
  type CocoBox,
  finiteAt,
  integerAt,
  objectAt,
  rejectField,
} from './coco-json-fields.ts';

export interface CocoResult {
  image_id: number;
  category_id: number;
  bbox: CocoBox;
  score: number;
}

/**
 * Validates a parsed COCO results JSON document against its ground truth. A result for an image
 * the ground truth does not have is rejected, as pycocotools' loadRes does; so is one for a
 * category it does not have (pycocotools would silently drop it). Fields other than these four
 * are dropped. Throws RunnerInputError naming `source` (the file) and the bad field.
 */
export function parseCocoResults(
  json: unknown,
  groundTruth: CocoGroundTruth,
  source = 'results',
): CocoResult[] {
  if (!Array.isArray(json)) {
    rejectField(source, 'the document', 'an array of {image_id, category_id, bbox, score}', json);
  }
  const knownImages = new Set(groundTruth.images.map((image) => image.id));
  const knownCategories = new Set(groundTruth.categories.map((category) => category.id));
  return json.map((raw, i): CocoResult => {
    const at = `[${i}]`;
    const fields = objectAt(source, at, raw);
    const imageId = integerAt(source, `${at}.image_id`, fields.image_id);
    if (!knownImages.has(imageId)) {
      rejectField(source, `${at}.image_id`, 'the id of an image of the ground truth', imageId);
    }
    const categoryId = integerAt(source, `${at}.category_id`, fields.category_id);
    if (!knownCategories.has(categoryId)) {
      rejectField(
        source,
        `${at}.category_id`,
        'the id of a category of the ground truth',
        categoryId,
      );
    }
    return {
      image_id: imageId,
      category_id: categoryId,
      bbox: boxAt(source, `${at}.bbox`, fields.bbox),
      score: finiteAt(source, `${at}.score`, fields.score),
    };
  });
}
