// Images unlike the rest of their dataset: too dark or bright, flat, blurred or tiny, by a
// robust z-score (median and MAD), so the outliers themselves do not hide the outliers.
import type { FindingEmission } from '../contract.ts';
import type { ImageStatistics } from '../images/image-statistics.ts';
import { median, robustOutliers } from '../stats/descriptive.ts';

/**
 * What is odd about an image, the measure that tells, and on which side. Sharpness and size
 * vary by factors (a sharp photo has many times the Laplacian variance of a soft one), so they
 * are compared on a log scale, log(1 + x): on the plain scale their spread is so wide that not
 * even a sharpness of 0 would stand out, while brightness and contrast spread evenly.
 */
const CHECKS = [
  { reason: 'too dark', measure: 'brightness', side: 'low', scale: 'linear' },
  { reason: 'too bright', measure: 'brightness', side: 'high', scale: 'linear' },
  { reason: 'low contrast', measure: 'contrast', side: 'low', scale: 'linear' },
  { reason: 'blurry', measure: 'sharpness', side: 'low', scale: 'log' },
  { reason: 'small', measure: 'pixels', side: 'low', scale: 'log' },
] as const;

/** Outliers are not looked for in fewer images than this: a median of 3 says little. */
export const MIN_IMAGES_FOR_OUTLIERS = 5;

export interface OutlierGroup {
  reason: (typeof CHECKS)[number]['reason'];
  /** The measure: a field of ImageStatistics, or 'pixels' (width x height). */
  measure: string;
  /** The scale the score is computed on: the values, or log(1 + value). */
  scale: 'linear' | 'log';
  /** The median of the values. */
  median: number;
  /** The median absolute deviation on the scale of the score. */
  mad: number;
  /** |modified z-score| above which an image is an outlier. */
  threshold: number;
  /** Indices into the images given, with the value and its modified z-score, most extreme first. */
  items: Array<{ index: number; value: number; score: number }>;
}

function measureOf(statistics: ImageStatistics, measure: string): number {
  return measure === 'pixels'
    ? statistics.width * statistics.height
    : statistics[measure as 'brightness' | 'contrast' | 'sharpness'];
}

/**
 * The outliers of each check among the measured images (null statistics are skipped): images
 * whose modified z-score is beyond `threshold` on the side the check looks at. Empty when
 * fewer than MIN_IMAGES_FOR_OUTLIERS images were measured.
 */
export function imageOutliers(
  statistics: readonly (ImageStatistics | null)[],
  threshold: number,
): OutlierGroup[] {
  const measured = statistics.flatMap((s, i) => (s === null ? [] : [i]));
  if (measured.length < MIN_IMAGES_FOR_OUTLIERS) return [];
  const groups: OutlierGroup[] = [];
  for (const { reason, measure, side, scale } of CHECKS) {
    const values = measured.map((i) => measureOf(statistics[i]!, measure));
    const found = robustOutliers(scale === 'log' ? values.map(Math.log1p) : values, threshold);
    const items = [...found.outliers]
      .filter((k) => (side === 'low' ? found.scores[k]! < 0 : found.scores[k]! > 0))
      .map((k) => ({ index: measured[k]!, value: values[k]!, score: found.scores[k]! }))
      .sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || a.index - b.index);
    if (items.length) {
      groups.push({
        reason,
        measure,
        scale,
        median: median(values),
        mad: found.mad,
        threshold,
        items,
      });
    }
  }
  return groups;
}

/**
 * An IMAGE_OUTLIERS finding listing each kind of outlier with at most `maxListed` of its
 * images (by id). LOW when outliers are at most 5% of the measured images, else MEDIUM.
 */
export function imageOutlierFinding(
  groups: readonly OutlierGroup[],
  ids: readonly string[],
  measuredCount: number,
  maxListed: number,
): FindingEmission | null {
  if (groups.length === 0) return null;
  const outliers = new Set(groups.flatMap((group) => group.items.map((item) => item.index)));
  const counts = groups.map((group) => `${group.items.length} ${group.reason}`).join(', ');
  return {
    kind: 'IMAGE_OUTLIERS',
    severity: outliers.size <= 0.05 * measuredCount ? 'LOW' : 'MEDIUM',
    title: `${outliers.size} images stand out from the rest (${counts})`,
    summary:
      `${outliers.size} of ${measuredCount} images have a brightness, contrast, sharpness ` +
      `(variance of the Laplacian) or size far from the dataset's median: a modified z-score ` +
      `(0.6745 (x - median) / MAD; of log(1 + x) for sharpness and size) beyond ` +
      `${groups[0]!.threshold}. They may be broken captures, ` +
      'wrongly exposed or out of focus, or just unusual; see profile.json for every image.',
    evidence: {
      outlierCount: outliers.size,
      measuredImages: measuredCount,
      checks: groups.map((group) => ({
        reason: group.reason,
        measure: group.measure,
        scale: group.scale,
        median: group.median,
        mad: group.mad,
        threshold: group.threshold,
        count: group.items.length,
        items: group.items
          .slice(0, maxListed)
          .map((item) => ({ id: ids[item.index], value: item.value, score: item.score })),
      })),
      artifact: 'profile.json',
    },
    subjectRole: 'dataset',
  };
}
