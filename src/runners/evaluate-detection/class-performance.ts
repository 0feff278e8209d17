// Classes a detector does much worse on than on the others: the first place to look when
// the mean AP hides a class that barely works.
import type { FindingEmission } from '../contract.ts';
import type { CocoClassMetrics } from '../detection/coco-eval.ts';

/** The name a class goes by in slices and findings: its name, or name and id when shared. */
export function classNames(perClass: readonly CocoClassMetrics[]): Map<number, string> {
  const counts = new Map<string, number>();
  for (const c of perClass) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  return new Map(
    perClass.map((c) => [
      c.categoryId,
      counts.get(c.name)! > 1 ? `${c.name} (id ${c.categoryId})` : c.name,
    ]),
  );
}

/**
 * A CLASS_PERFORMANCE finding for each class whose AP is below `ratio` times the mean AP of the
 * classes that have one (classes without ground truth have no AP and take no part). HIGH when
 * its AP is below half that bar, else MEDIUM. Needs at least two classes with an AP.
 */
export function weakClassFindings(
  perClass: readonly CocoClassMetrics[],
  ratio: number,
  subjectRole: string,
): FindingEmission[] {
  const rated = perClass.filter((c) => c.AP !== null);
  if (rated.length < 2) return [];
  const meanAp = rated.reduce((sum, c) => sum + c.AP!, 0) / rated.length;
  const bar = ratio * meanAp;
  const names = classNames(perClass);
  return rated
    .filter((c) => c.AP! < bar)
    .map((c) => {
      const name = names.get(c.categoryId)!;
      return {
        kind: 'CLASS_PERFORMANCE',
        severity: c.AP! < bar / 2 ? 'HIGH' : 'MEDIUM',
        title: `AP of class ${name} is ${c.AP!.toFixed(3)}, far below the mean ${meanAp.toFixed(3)}`,
        summary:
          `The detector's AP@[.5:.95] on ${name} (${c.groundTruths} objects, ${c.detections} ` +
          `detections) is under ${ratio} times the mean AP over the ${rated.length} classes with ` +
          'ground truth: it finds or places these objects much worse than the others. ' +
          'See coco-metrics.json for AP50 and AP75 of the class.',
        evidence: {
          class: name,
          categoryId: c.categoryId,
          ap: c.AP,
          ap50: c.AP50,
          ap75: c.AP75,
          meanClassAp: meanAp,
          threshold: bar,
          weakClassRatio: ratio,
          groundTruths: c.groundTruths,
          detections: c.detections,
          artifact: 'coco-metrics.json',
        },
        subjectRole,
      } satisfies FindingEmission;
    });
}
