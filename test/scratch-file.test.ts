// A command program's artifacts given by path: only regular files of its own scratch folder,
// whatever the program does to its folder while the hub reads them.
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  linkSync,
  mkdirSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readScratchFile } from '../src/runners/scratch-file.ts';
import { tempFolder } from './support/files.ts';

/** What the "program" does right after the hub resolved a path, or right after it opened it. */
const program = vi.hoisted(() => ({
  afterResolve: null as ((path: string) => void) | null,
  afterOpen: null as ((path: string) => void) | null,
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    realpath: async (path: string) => {
      const resolved = await fs.realpath(path);
      program.afterResolve?.(resolved);
      return resolved;
    },
    open: async (path: string, flags: number) => {
      const handle: FileHandle = await fs.open(path, flags);
      const stat = handle.stat.bind(handle);
      // The program acts between the hub's look at the open file and its read.
      handle.stat = (async () => {
        const info = await stat();
        program.afterOpen?.(path);
        return info;
      }) as FileHandle['stat'];
      return handle;
    },
  };
});

const files = tempFolder();
const outside = join(files.path, 'outside');
let scratch: string;
let n = 0;

beforeEach(() => {
  n += 1;
  scratch = join(files.path, `run-${n}`);
  mkdirSync(join(scratch, 'out'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret'), 'the secret');
  program.afterResolve = null;
  program.afterOpen = null;
});
afterEach(() => {
  program.afterResolve = null;
  program.afterOpen = null;
});
afterAll(() => files.remove());

const refusal = "is not a file in the run's folder";

describe("a command program's artifact by path", () => {
  it('is read when it is a regular file of the folder', async () => {
    writeFileSync(join(scratch, 'out/report.txt'), 'fine');
    expect(String(await readScratchFile(scratch, 'out/report.txt', 100))).toBe('fine');
  });

  it.each([
    ['a path with ..', () => '../outside/secret'],
    ['an absolute path outside', () => join(outside, 'secret')],
    [
      'a symlink out',
      () => {
        symlinkSync(join(outside, 'secret'), join(scratch, 'l'));
        return 'l';
      },
    ],
    ['a device', () => '/dev/zero'],
  ])('is refused at %s', async (_name, make) => {
    await expect(readScratchFile(scratch, make(), 100)).rejects.toThrow(refusal);
  });

  it('is refused when it is a hard link to a file outside the folder', async () => {
    linkSync(join(outside, 'secret'), join(scratch, 'out/linked'));
    await expect(readScratchFile(scratch, 'out/linked', 100)).rejects.toThrow(refusal);
  });

  it('is refused, without waiting for a writer, when it is a FIFO', async () => {
    execFileSync('mkfifo', [join(scratch, 'out/pipe')]);
    await expect(readScratchFile(scratch, 'out/pipe', 100)).rejects.toThrow(refusal);
  });

  it('is refused when a folder on its path is swapped for a symlink out after the check', async () => {
    writeFileSync(join(scratch, 'out/secret'), 'harmless');
    program.afterResolve = (path) => {
      if (!path.endsWith('out/secret')) return;
      renameSync(join(scratch, 'out'), join(scratch, 'was-out'));
      symlinkSync(outside, join(scratch, 'out'));
    };
    await expect(readScratchFile(scratch, 'out/secret', 100)).rejects.toThrow(refusal);
  });

  it('is refused when that folder is swapped back right after the open', async () => {
    writeFileSync(join(scratch, 'out/secret'), 'harmless');
    program.afterResolve = (path) => {
      if (!path.endsWith('out/secret')) return;
      renameSync(join(scratch, 'out'), join(scratch, 'was-out'));
      symlinkSync(outside, join(scratch, 'out'));
    };
    program.afterOpen = () => {
      renameSync(join(scratch, 'out'), join(scratch, 'link'));
      renameSync(join(scratch, 'was-out'), join(scratch, 'out'));
    };
    await expect(readScratchFile(scratch, 'out/secret', 100)).rejects.toThrow(refusal);
  });

  it('is cut at the limit when it grows after its size was looked at', async () => {
    writeFileSync(join(scratch, 'out/growing'), '');
    program.afterOpen = (path) => appendFileSync(path, 'x'.repeat(10_000));
    await expect(readScratchFile(scratch, 'out/growing', 100)).rejects.toThrow(
      'is larger than 100 bytes',
    );
  });
});
