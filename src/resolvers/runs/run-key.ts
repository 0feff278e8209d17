import { canonicalDigest } from '../core/sha256.ts';
import type { CheckedInput } from './inputs.ts';

/**
 * The run key: sha256 of the canonical JSON of the runner and its version, the config with
 * defaults applied, the input digests by role, and the seed. The same key, the same work.
 */
export function computeRunKey(
  runner: { id: string; version: string },
  config: unknown,
  inputs: ReadonlyArray<Pick<CheckedInput, 'role' | 'position' | 'digest'>>,
  seed: number,
): string {
  const ordered = [...inputs]
    .sort((a, b) => (a.role < b.role ? -1 : a.role > b.role ? 1 : a.position - b.position))
    .map(({ role, digest }) => ({ role, digest }));
  return canonicalDigest({
    runner: { id: runner.id, version: runner.version },
    config,
    inputs: ordered,
    seed,
  });
}
