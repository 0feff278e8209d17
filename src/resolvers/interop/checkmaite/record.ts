// A checkmaite run record as the hub takes it: checkmaite's CapabilityRunBase dumped as JSON
// (`run.model_dump(mode="json")`) with its `run_uid` added, since pydantic leaves that
// cached property out. docs/interop.md has the field-by-field mapping.
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';

export const CHECKMAITE_SOURCE = 'checkmaite';

const INDEX = /^(0|[1-9][0-9]*)$/;

/** MAITE's `index2label` as JSON: whole-number keys (JSON keys are strings) to class names. */
const index2label = z.record(
  z.string().regex(INDEX, 'must have whole-number keys ("0", "1"...)'),
  z.string(),
);

/** A MAITE DatasetMetadata or ModelMetadata: its id, its label set, anything else it carries. */
const componentMetadata = z.looseObject({
  id: z.string().min(1, 'must not be empty').max(1024),
  index2label: index2label.optional(),
});

const terminalStatus = z
  .string()
  .transform((status) => status.toLowerCase())
  .pipe(
    z.enum(['completed', 'failed', 'cancelled'], {
      error: 'must be "completed", "failed" or "cancelled" (checkmaite JobStatus values)',
    }),
  );

const recordSchema = z
  .looseObject({
    run_uid: z
      .string()
      .regex(
        /^[0-9a-f]{64}$/,
        "must be checkmaite's run_uid: a SHA-256 hex digest (64 lowercase hex characters)",
      ),
    capability_id: z.string().min(1, 'must not be empty').max(512),
    config: z.record(z.string(), z.unknown()),
    dataset_metadata: z.array(componentMetadata),
    model_metadata: z.array(componentMetadata),
    metric_metadata: z.array(z.looseObject({ id: z.string().min(1, 'must not be empty') })),
    outputs: z.record(z.string(), z.unknown()).optional(),
    // Not checkmaite's: a job backend that saw the run fail may say so.
    status: terminalStatus.optional(),
    error: z.string().optional(),
  })
  .superRefine((record, context) => {
    if ((record.status ?? 'completed') === 'completed' && record.outputs === undefined)
      context.addIssue({
        code: 'custom',
        path: ['outputs'],
        message: 'is required of a completed run',
      });
  });

export type CheckmaiteRecord = z.infer<typeof recordSchema>;
export type MaiteComponent = CheckmaiteRecord['dataset_metadata'][number];

/** `dataset_metadata[0].id` for the path ["dataset_metadata", 0, "id"]. */
function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

/** Deeper than any real record; reading outputs recurses, so a deeper one is refused up front. */
const MAX_NESTING = 64;

/** How deep objects and arrays nest in `value`, counted without recursion (stops past the cap). */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (!item || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_NESTING) return deepest;
    for (const member of Object.values(item)) stack.push([member, depth + 1]);
  }
  return deepest;
}

/**
 * The record, checked; a ValidationError naming the first bad field (its path under `path`)
 * otherwise.
 */
export function parseCheckmaiteRecord(value: unknown, path: string[]): CheckmaiteRecord {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new ValidationError('a checkmaite run record is a JSON object', path);
  if (nestingDepth(value) > MAX_NESTING) {
    throw new ValidationError(
      `not a checkmaite run record: it nests deeper than ${MAX_NESTING} levels`,
      path,
    );
  }
  const parsed = recordSchema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const [issue, ...others] = parsed.error.issues;
  const more = others.length
    ? ` (and ${others.length} more problem${others.length > 1 ? 's' : ''})`
    : '';
  throw new ValidationError(
    `not a checkmaite run record: ${fieldName(issue!.path) || 'the record'} ${complaint(issue!)}${more}`,
    [...path, ...issue!.path.map(String)],
  );
}

const TYPE_NAMES: Record<string, string> = {
  record: 'an object',
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
};

function complaint(issue: z.core.$ZodIssue): string {
  // A bad key of a record: the key's own complaint says what keys must look like.
  if (issue.code === 'invalid_key') return `is not a valid key: ${issue.issues[0]?.message}`;
  if (issue.code !== 'invalid_type') return issue.message;
  if (issue.input === undefined) return 'is required';
  return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
}

/** Class names in index order when `index2label` covers 0, 1, 2... without gaps, else null. */
export function labelsOf(mapping: Record<string, string> | undefined): string[] | null {
  if (!mapping) return null;
  const labels: string[] = [];
  for (const [key, label] of Object.entries(mapping)) labels[Number(key)] = label;
  return labels.length === Object.keys(mapping).length && labels.length > 0 ? labels : null;
}
