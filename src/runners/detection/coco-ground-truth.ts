// Reading a COCO ground-truth ("instances") JSON file: the images, the categories and the
// annotated boxes. Fields other than those below (segmentation, keypoints, licenses, ...) are
// dropped: box evaluation does not use them.
import {
  arrayAt,
  boxAt,
  type CocoBox,
  finiteAt,
  integerAt,
  objectAt,
  rejectField,
} from './coco-json-fields.ts';

export interface CocoImage {
  id: number;
}

export interface CocoCategory {
  id: number;
  name: string;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: CocoBox;
  /** The object's area. For ranges small/medium/large pycocotools uses this, not the box's. */
  area: number;
  /** 1 for a crowd region: detections matched to it are ignored, never false positives. */
  iscrowd: 0 | 1;
}

export interface CocoGroundTruth {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

/** The ids of `items`, rejecting a duplicate (pycocotools would silently keep one of them). */
function uniqueIds(source: string, list: string, items: unknown[]): number[] {
  const seen = new Set<number>();
  return items.map((item, i) => {
    const id = integerAt(source, `${list}[${i}].id`, objectAt(source, `${list}[${i}]`, item).id);
    if (seen.has(id)) rejectField(source, `${list}[${i}].id`, `unique among ${list}`, id);
    seen.add(id);
    return id;
  });
}

/**
 * Validates a parsed COCO ground-truth JSON document. `area` defaults to the box's width × height
 * and `iscrowd` to 0 when absent (pycocotools would fail on either); every annotation must name
 * an image and a category of the file. Throws RunnerInputError naming `source` (the file) and the
 * bad field.
 */
export function parseCocoGroundTruth(json: unknown, source = 'ground truth'): CocoGroundTruth {
  const root = objectAt(source, 'the document', json);
  const imageIds = uniqueIds(source, 'images', arrayAt(source, 'images', root.images));
  const rawCategories = arrayAt(source, 'categories', root.categories);
  const categoryIds = uniqueIds(source, 'categories', rawCategories);
  // uniqueIds has checked that each entry is an object.
  const categories = rawCategories.map((raw, i): CocoCategory => {
    const name = (raw as Record<string, unknown>).name;
    if (name !== undefined && typeof name !== 'string') {
      rejectField(source, `categories[${i}].name`, 'a string', name);
    }
    return { id: categoryIds[i]!, name: name ?? String(categoryIds[i]) };
  });
  const knownImages = new Set(imageIds);
  const knownCategories = new Set(categoryIds);
  const rawAnnotations = arrayAt(source, 'annotations', root.annotations);
  const annotationIds = uniqueIds(source, 'annotations', rawAnnotations);
  const annotations = rawAnnotations.map((raw, i): CocoAnnotation => {
    const at = `annotations[${i}]`;
    const fields = raw as Record<string, unknown>;
    const imageId = integerAt(source, `${at}.image_id`, fields.image_id);
    if (!knownImages.has(imageId)) {
      rejectField(source, `${at}.image_id`, 'the id of an entry of images', imageId);
    }
    const categoryId = integerAt(source, `${at}.category_id`, fields.category_id);
    if (!knownCategories.has(categoryId)) {
      rejectField(source, `${at}.category_id`, 'the id of an entry of categories', categoryId);
    }
    const bbox = boxAt(source, `${at}.bbox`, fields.bbox);
    const area =
      fields.area === undefined ? bbox[2] * bbox[3] : finiteAt(source, `${at}.area`, fields.area);
    const crowd = fields.iscrowd ?? 0;
    if (crowd !== 0 && crowd !== 1 && crowd !== true && crowd !== false) {
      rejectField(source, `${at}.iscrowd`, '0 or 1', crowd);
    }
    return {
      id: annotationIds[i]!,
      image_id: imageId,
      category_id: categoryId,
      bbox,
      area,
      iscrowd: crowd === 1 || crowd === true ? 1 : 0,
    };
  });
  return { images: imageIds.map((id) => ({ id })), annotations, categories };
}
