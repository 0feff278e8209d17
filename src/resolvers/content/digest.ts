// Content digests, computed so that anyone can check them with coreutils:
//   a file:   sha256sum FILE
//   a folder: cd DIR && find . -type f | sed 's|^\./||' | LC_ALL=C sort \
//               | xargs -d '\n' sha256sum | sha256sum
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ContentDigest {
  /** `sha256:<64 hex>` */
  digest: string;
  sizeBytes: number;
  fileCount: number;
}

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** Files hashed at once while digesting a folder: enough to keep a disk busy, few file handles. */
const PARALLEL_READS = 8;

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Regular files below `root`, as paths relative to it; links are not followed (as `find -type f`). */
async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1));
}

/** The line sha256sum prints for one file, escaping names the way coreutils does. */
function checksumLine(hex: string, relativePath: string): string {
  if (!/[\\\n]/.test(relativePath)) return `${hex}  ${relativePath}\n`;
  const escaped = relativePath.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return `\\${hex}  ${escaped}\n`;
}

export async function digestFolder(root: string): Promise<ContentDigest> {
  const base = root.replace(/\/+$/, '') || '/';
  const files = (await listFiles(base)).sort((a, b) =>
    Buffer.compare(Buffer.from(a), Buffer.from(b)),
  );
  const hexes = new Array<string>(files.length);
  let sizeBytes = 0;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      const path = join(base, files[index]!);
      const [hex, info] = await Promise.all([sha256OfFile(path), stat(path)]);
      hexes[index] = hex;
      sizeBytes += info.size;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, files.length) }, worker));
  const listing = createHash('sha256');
  files.forEach((file, i) => {
    listing.update(checksumLine(hexes[i]!, file));
  });
  return { digest: `sha256:${listing.digest('hex')}`, sizeBytes, fileCount: files.length };
}

/** The digest of a file or a folder. */
export async function digestPath(path: string): Promise<ContentDigest> {
  const info = await stat(path);
  if (info.isDirectory()) return digestFolder(path);
  return { digest: `sha256:${await sha256OfFile(path)}`, sizeBytes: info.size, fileCount: 1 };
}
