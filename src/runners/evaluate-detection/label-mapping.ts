// From a detector's class label to the COCO category id it is evaluated as.
import { RunnerInputError } from '../contract.ts';
import type { CocoCategory } from '../detection/coco-ground-truth.ts';
import type { DetectorConfig } from './config.ts';

/** The category id of a label, or null for a label the mapping drops. */
export type CategoryOfLabel = (label: number) => number | null;

/**
 * The mapping `labelMapping` describes, checked against the ground truth's categories up front:
 * every category id a map names must exist. A label the mapping cannot place is an error for
 * 'category-order' and 'category-id' (the model and the dataset disagree); a map drops labels it
 * does not name.
 */
export function categoryMapping(
  mapping: DetectorConfig['labelMapping'],
  categories: readonly CocoCategory[],
): CategoryOfLabel {
  const ids = [...new Set(categories.map((category) => category.id))].sort((a, b) => a - b);
  if (mapping === 'category-order') {
    return (label) => {
      const id = Number.isInteger(label) ? ids[label] : undefined;
      if (id === undefined) {
        throw new RunnerInputError(
          `the detector gave label ${label}; with labelMapping 'category-order' labels must be ` +
            `0..${ids.length - 1}, one per category of the ground truth`,
        );
      }
      return id;
    };
  }
  const known = new Set(ids);
  if (mapping === 'category-id') {
    return (label) => {
      if (!known.has(label)) {
        throw new RunnerInputError(
          `the detector gave label ${label}, which is not a category id of the ground truth ` +
            `(${ids.join(', ')}); set labelMapping`,
        );
      }
      return label;
    };
  }
  const map = new Map<number, number>();
  for (const [label, id] of Object.entries(mapping)) {
    if (!known.has(id)) {
      throw new RunnerInputError(
        `labelMapping maps label ${label} to category ${id}, which the ground truth does not have`,
      );
    }
    map.set(Number(label), id);
  }
  return (label) => map.get(label) ?? null;
}
