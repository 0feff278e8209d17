// Box overlap as pycocotools computes it (common/maskApi.c, bbIou), statement for statement so
// that values on a threshold (an IoU of exactly 0.5, say) fall on the same side.

/**
 * The IoU of a detection box and a ground-truth box, both [x, y, width, height]. Against a
 * crowd region it is the intersection over the detection's own area instead, so a detection
 * inside a crowd counts as covered by it. 0 when the boxes do not overlap.
 */
export function boxIou(
  detection: readonly number[],
  groundTruth: readonly number[],
  crowd: boolean,
): number {
  const [dx, dy, dw, dh] = detection as [number, number, number, number];
  const [gx, gy, gw, gh] = groundTruth as [number, number, number, number];
  const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const intersection = w * h;
  const detectionArea = dw * dh;
  return intersection / (crowd ? detectionArea : detectionArea + gw * gh - intersection);
}
