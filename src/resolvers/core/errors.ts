// The failures a caller can act on. The schema turns each into a typed member of a
// mutation's result union; anything else is a bug and surfaces as a GraphQL error.
import type { z } from 'zod';

/** The input is wrong; `inputPath` names the offending field, e.g. ["input", "digest"]. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  // Not `path`: graphql-js takes any error with an array `path` for one it already located.
  readonly inputPath: string[];
  constructor(message: string, inputPath: string[] = []) {
    super(message);
    this.inputPath = inputPath;
  }
}

/** Nothing the actor may see answers to `ref`. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  readonly entity: string;
  readonly ref: string;
  constructor(entity: string, ref: string) {
    super(`no ${entity} ${JSON.stringify(ref)} (or not visible to you)`);
    this.entity = entity;
    this.ref = ref;
  }
}

/** The change contradicts what is already recorded (e.g. new content under a used version label). */
export class ConflictError extends Error {
  override name = 'ConflictError';
  /** The record it conflicts with, when there is one. */
  readonly existing: { type: string; id: string } | null;
  constructor(message: string, existing: { type: string; id: string } | null = null) {
    super(message);
    this.existing = existing;
  }
}

/** The digest the caller gave is not the digest of the content at the uri. */
export class DigestMismatchError extends Error {
  override name = 'DigestMismatchError';
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super(`digest mismatch: the content at uri has ${actual}, not ${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * The actor may see the project, but its role there does not allow the change. (Where it may
 * not see the project at all, the answer is NotFoundError: a project's existence is not
 * revealed to those outside it.)
 */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
  /** The project (slug) it was refused in; null for what only a hub admin may do. */
  readonly project: string | null;
  /** The role the change takes ("admin" for a hub admin), and the one the actor holds. */
  readonly required: string;
  readonly held: string | null;
  constructor(action: string, project: string | null, required: string, held: string | null) {
    super(
      project === null
        ? `${action} takes a hub admin`
        : `${action} takes the ${required} role in project ${project}; you are a ${held} there`,
    );
    this.project = project;
    this.required = required;
    this.held = held;
  }
}

/** Every error class a mutation may return as a typed result. */
export const domainErrors = [
  ValidationError,
  NotFoundError,
  ConflictError,
  DigestMismatchError,
  ForbiddenError,
];

/** Turns the first zod issue into a ValidationError whose path points into the input. */
export function zodIssueToValidationError(error: z.ZodError, path: string[]): ValidationError {
  const issue = error.issues[0]!;
  const where = [...path, ...issue.path.map(String)];
  return new ValidationError(
    `${where.slice(path.length).join('.') || 'value'}: ${issue.message}`,
    where,
  );
}
