// A PREDICTIONS model version for detection: a COCO results JSON array, or a folder holding
// exactly one JSON file.
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ResolvedInput } from '../contract.ts';
import { RunnerInputError } from '../contract.ts';
import type { CocoGroundTruth } from '../detection/coco-ground-truth.ts';
import { type CocoResult, parseCocoResults } from '../detection/coco-results.ts';
import { readJsonFile } from './json-file.ts';

async function resultsFile(input: ResolvedInput): Promise<string> {
  if (!input.localPath) {
    throw new RunnerInputError(`${input.ref} is at ${input.uri}, not in a local file or folder`);
  }
  const found = await stat(input.localPath).catch(() => null);
  if (!found) throw new RunnerInputError(`${input.ref}: ${input.localPath} does not exist`);
  if (!found.isDirectory()) return input.localPath;
  const names = (await readdir(input.localPath)).filter(
    (name) => name.toLowerCase().endsWith('.json') && !name.startsWith('.'),
  );
  if (names.length !== 1) {
    throw new RunnerInputError(
      `${input.ref} is a folder with ${names.length} JSON files (${names.join(', ')}); ` +
        'predictions for detection are one COCO results JSON file',
    );
  }
  return join(input.localPath, names[0]!);
}

/**
 * Reads and checks a COCO results file against the ground truth: every result must name an
 * image and a category of it and have a valid box and score (RunnerInputError otherwise,
 * naming the file and the entry).
 */
export async function readPredictions(
  input: ResolvedInput,
  groundTruth: CocoGroundTruth,
): Promise<CocoResult[]> {
  const file = await resultsFile(input);
  return parseCocoResults(await readJsonFile(file), groundTruth, basename(file));
}
