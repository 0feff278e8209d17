// Which programs the command runner may start: only those the operator allowlisted, by
// absolute path (symlinks resolved), and, when pinned, only while their sha256 matches.
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

export interface AllowedProgram {
  /** An absolute path. */
  path: string;
  /** The hex sha256 the program must have, if pinned. */
  sha256: string | null;
}

/** What the operator lets the command runner do on this host (EVALHUB_COMMAND_*). */
export interface CommandPolicy {
  allow: readonly AllowedProgram[];
  /** The PATH programs get, and where a program named without a slash is looked up. */
  path: string;
}

const real = (path: string) => {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
};

/** The allowlisted program `name` is (by path, or found on the policy's PATH), or null. */
export function findAllowedProgram(policy: CommandPolicy, name: string): AllowedProgram | null {
  const candidates = isAbsolute(name)
    ? [name]
    : name.includes('/')
      ? []
      : policy.path
          .split(':')
          .filter(isAbsolute)
          .map((dir) => join(dir, name));
  for (const candidate of candidates) {
    const resolved = real(candidate);
    if (!resolved) continue;
    const allowed = policy.allow.find((entry) => real(entry.path) === resolved);
    return allowed ? { path: resolved, sha256: allowed.sha256 } : null;
  }
  return null;
}

/** Checks a pinned program's digest right before it runs. */
export async function checkPin(program: AllowedProgram): Promise<void> {
  if (!program.sha256) return;
  const actual = createHash('sha256')
    .update(await readFile(program.path))
    .digest('hex');
  if (actual !== program.sha256)
    throw new Error(
      `${program.path} is not the allowlisted program: its sha256 is ${actual}, not ${program.sha256}`,
    );
}
