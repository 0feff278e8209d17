// The inputs of an evaluation run: the one version of each role, in a format the runner reads,
// and the file a model version stands for (a file, or a folder holding one such file).
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { type ResolvedInput, RunnerInputError } from '../contract.ts';

/** The single input of `role`, checked to be in one of `formats`. */
export function singleInput(
  inputs: Record<string, ResolvedInput[]>,
  role: string,
  formats: readonly string[],
): ResolvedInput {
  const given = inputs[role] ?? [];
  if (given.length !== 1) {
    throw new RunnerInputError(`the run needs exactly one '${role}' input, got ${given.length}`);
  }
  const input = given[0]!;
  if (!formats.includes(input.format)) {
    throw new RunnerInputError(
      `${input.ref} (the ${role}) is in format ${input.format}; this runner reads ${formats.join(' or ')}`,
    );
  }
  return input;
}

/**
 * The file of a version: its local path when that is a file, or the one file with one of
 * `extensions` directly in its folder (hidden files aside).
 */
export async function versionFile(
  input: ResolvedInput,
  extensions: readonly string[],
): Promise<string> {
  const path = input.localPath;
  if (!path) throw new RunnerInputError(`${input.ref} is at ${input.uri}, not in a local file`);
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch {
    throw new RunnerInputError(`${input.ref}: ${path} does not exist`);
  }
  if (!isFolder) return path;
  const entries = await readdir(path, { withFileTypes: true });
  const found = entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .filter((name) => extensions.includes(extname(name).toLowerCase()))
    .sort();
  if (found.length !== 1) {
    throw new RunnerInputError(
      `${input.ref} is a folder; it must hold exactly one ${extensions.join(' / ')} file, ` +
        `it holds ${found.length ? found.join(', ') : 'none'}`,
    );
  }
  return join(path, found[0]!);
}
