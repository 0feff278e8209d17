// The fixed evaluation settings of pycocotools' COCOeval for iouType 'bbox'
// (Params.setDetParams in PythonAPI/pycocotools/cocoeval.py).

/**
 * `np.linspace(start, stop, num)` as numpy computes it: `i * step + start` with
 * `step = (stop - start) / (num - 1)`, the last value set to `stop`. The thresholds are compared
 * with `<` against IoUs and recalls, so they must be these exact doubles, not the nearest
 * decimals (the 9th IoU threshold is 0.8999999999999999, the 36th recall one 0.35000000000000003).
 */
export function numpyLinspace(start: number, stop: number, num: number): Float64Array {
  const values = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i += 1) values[i] = i * step + start;
  values[num - 1] = stop;
  return values;
}

/** IoU thresholds .50:.05:.95 (T = 10). */
export const IOU_THRESHOLDS = numpyLinspace(0.5, 0.95, 10);

/** Recall thresholds 0:.01:1 (R = 101) at which precision is sampled. */
export const RECALL_THRESHOLDS = numpyLinspace(0, 1, 101);

/** Maximum detections per image, ascending; the last one also caps what is evaluated at all. */
export const MAX_DETECTIONS = [1, 10, 100] as const;

/** Object area ranges, both ends inclusive: all, small, medium, large. */
export const AREA_RANGES: readonly (readonly [number, number])[] = [
  [0, 1e5 ** 2],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e5 ** 2],
];

export const AREA_ALL = 0;
export const AREA_SMALL = 1;
export const AREA_MEDIUM = 2;
export const AREA_LARGE = 3;
