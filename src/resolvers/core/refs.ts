// How callers name things: a global id, or a readable path for scripts and notebooks
// ("project/name" for a model or dataset, "project/name@version" for one of its versions).

import { ValidationError } from './errors.ts';
import { decodeGlobalId } from './global-id.ts';

export type Ref =
  | { kind: 'id'; id: string }
  | { kind: 'path'; project: string; name: string; version: string | null };

export function parseRef(
  ref: string,
  types: readonly string[],
  path: string[],
  versioned: boolean,
): Ref {
  const decoded = decodeGlobalId(ref);
  if (decoded) {
    if (!types.includes(decoded.type)) {
      throw new ValidationError(
        `expected the id of a ${types.join(' or ')}, got a ${decoded.type} id`,
        path,
      );
    }
    return { kind: 'id', id: decoded.id };
  }
  const match = versioned
    ? /^([^/@]+)\/([^/@]+)@(.+)$/.exec(ref)
    : /^([^/@]+)\/([^/@]+)$/.exec(ref);
  if (!match) {
    const form = versioned ? '"project/name@version"' : '"project/name"';
    throw new ValidationError(`expected a ${types.join(' or ')} id or ${form}`, path);
  }
  return { kind: 'path', project: match[1]!, name: match[2]!, version: match[3] ?? null };
}
