// Field checks shared by the COCO ground-truth and results readers. Each names the file and the
// JSON path of the bad value, so a user can find it in a file of a million annotations.
import { RunnerInputError } from '../contract.ts';

/** [x, y, width, height] in pixels, x and y of the top-left corner. */
export type CocoBox = readonly [x: number, y: number, width: number, height: number];

/** A short JSON rendering of a bad value for an error message. */
function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Throws a RunnerInputError for the value at `path` of `source`. */
export function rejectField(source: string, path: string, expected: string, value: unknown): never {
  throw new RunnerInputError(`${source}: ${path} must be ${expected}, got ${shown(value)}`);
}

/** The value as a JSON object, or a RunnerInputError. */
export function objectAt(source: string, path: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    rejectField(source, path, 'an object', value);
  }
  return value as Record<string, unknown>;
}

/** The value as a JSON array, or a RunnerInputError. */
export function arrayAt(source: string, path: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) rejectField(source, path, 'an array', value);
  return value;
}

/** The value as an integer id, or a RunnerInputError. */
export function integerAt(source: string, path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    rejectField(source, path, 'an integer', value);
  }
  return value;
}

/** The value as a finite number, or a RunnerInputError. */
export function finiteAt(source: string, path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    rejectField(source, path, 'a finite number', value);
  }
  return value;
}

/** The value as an [x, y, width, height] box with width and height ≥ 0, or a RunnerInputError. */
export function boxAt(source: string, path: string, value: unknown): CocoBox {
  if (
    !Array.isArray(value) ||
    value.length !== 4 ||
    !value.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
    value[2] < 0 ||
    value[3] < 0
  ) {
    rejectField(
      source,
      path,
      '[x, y, width, height]: 4 finite numbers, width and height ≥ 0',
      value,
    );
  }
  return [value[0], value[1], value[2], value[3]];
}
