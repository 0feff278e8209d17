// List arguments have a maximum, so one request cannot ask for a million of anything.
import { ValidationError } from './errors.ts';

/** Ids `nodes(ids:)` resolves at once. */
export const MAX_NODE_IDS = 100;
/** Metric keys `compareRuns(metrics:)` may name. */
export const MAX_METRIC_KEYS = 100;

/** `items`, or a ValidationError on `arg` when there are more than `max`. */
export function boundedList<T>(items: readonly T[], max: number, arg: string): readonly T[] {
  if (items.length > max)
    throw new ValidationError(`${arg} takes at most ${max} items, not ${items.length}`, [arg]);
  return items;
}
