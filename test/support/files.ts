// Real files on disk for tests, and their digests as coreutils computes them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fresh temporary folder, removed by the returned `remove`. */
export function tempFolder(prefix = 'evalhub-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes `files` (relative path -> content) under `root`. */
export function writeTree(root: string, files: Record<string, string | Buffer>): string {
  for (const [relative, content] of Object.entries(files)) {
    const path = join(root, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}

/** `sha256:` + what `sha256sum FILE` prints. */
export function coreutilsFileDigest(path: string): string {
  return `sha256:${execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0]}`;
}

/** The folder digest exactly as the README tells a user to compute it. */
export function coreutilsFolderDigest(path: string): string {
  const out = execFileSync(
    'bash',
    [
      '-c',
      "find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum",
    ],
    { cwd: path, encoding: 'utf8' },
  );
  return `sha256:${out.split(' ')[0]}`;
}
