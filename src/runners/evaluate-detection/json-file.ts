// JSON files a user hands in (ground truth, detection results): a file that is not there or is
// not JSON is their problem, named by file.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { RunnerInputError } from '../contract.ts';

/** Parses the JSON file at `file`; a missing or malformed file is a RunnerInputError. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') {
      throw new RunnerInputError(`${file} does not exist or is not a file`);
    }
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RunnerInputError(`${basename(file)} is not valid JSON: ${(error as Error).message}`);
  }
}
