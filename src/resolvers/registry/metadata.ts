// Version metadata is free-form JSON, except for the MAITE fields the hub reads itself.
import { ValidationError } from '../core/errors.ts';

export type Metadata = Record<string, unknown>;

export function parseMetadata(value: unknown, path: string[]): Metadata {
  if (value == null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError('metadata must be a JSON object', path);
  }
  return value as Metadata;
}

/**
 * Class names in index order from MAITE's `index2label` ({"0": "cat", "1": "dog"} or
 * ["cat", "dog"]), or null when there is none.
 */
export function labelsFromIndex2Label(metadata: Metadata, path: string[]): string[] | null {
  const index2label = metadata.index2label;
  if (index2label == null) return null;
  const where = [...path, 'index2label'];
  if (Array.isArray(index2label)) {
    if (!index2label.every((label) => typeof label === 'string')) {
      throw new ValidationError('index2label must map indices to strings', where);
    }
    return index2label as string[];
  }
  if (typeof index2label !== 'object') {
    throw new ValidationError('index2label must be an object or an array', where);
  }
  const entries = Object.entries(index2label as Record<string, unknown>);
  const indexed = entries.map(([key, label]) => {
    if (!/^(0|[1-9][0-9]*)$/.test(key) || typeof label !== 'string') {
      throw new ValidationError('index2label must map whole-number indices to strings', where);
    }
    return [Number(key), label] as const;
  });
  indexed.sort((a, b) => a[0] - b[0]);
  if (indexed.some(([index], i) => index !== i)) {
    throw new ValidationError('index2label must cover the indices 0, 1, 2... without gaps', where);
  }
  return indexed.map(([, label]) => label);
}
