// Uploading a 64 MiB file to the hub's content store with the typed client (8 MiB chunks,
// each hashed on arrival, the whole verified and moved into the store), against the baseline
// every registration pays anyway: hashing the same file locally. Each round uploads to a
// project of its own, so every round sends and verifies every byte.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../src/client/index.ts';
import type { DatabaseHandle } from '../src/db/connect.ts';
import { digestPath } from '../src/resolvers/content/digest.ts';
import { startHub } from '../src/server.ts';
import { benchHubConfig } from './support/bench-hub.ts';
import { type BenchResult, ms, timeInTurns } from './support/measure.ts';

const SIZE = 64 * 2 ** 20;
const ROUNDS = 5;
/** One key for the process: it writes every database's audit chain with the same. */

export async function benchContentUpload(
  database: DatabaseHandle,
  kind: string,
): Promise<BenchResult> {
  const folder = mkdtempSync(join(tmpdir(), 'evalhub-bench-upload-'));
  const hub = await startHub({
    config: benchHubConfig({ storeDir: join(folder, 'store') }),
    database,
  });
  try {
    const path = join(folder, 'weights.bin');
    writeFileSync(path, randomBytes(SIZE));
    const content = await digestPath(path);
    const client = connect({ url: hub.url });
    const timings = await timeInTurns(
      {
        hash: () => digestPath(path),
        upload: (round) =>
          client.uploadContent(`bench-${kind}-${round}`, {
            path,
            digest: content.digest,
            isFolder: false,
            files: content.files,
          }),
      },
      ROUNDS,
      1,
    );
    const mbPerSecond = (t: { p50: number }) => (SIZE / 2 ** 20 / (t.p50 / 1000)).toFixed(0);
    return {
      name: `content-upload (${kind})`,
      figures: {
        'hash locally, p50': ms(timings.hash.p50),
        'upload, p50': ms(timings.upload.p50),
        'upload / local hash': `${(timings.upload.p50 / timings.hash.p50).toFixed(2)}x`,
        'upload throughput': `${mbPerSecond(timings.upload)} MiB/s (machine shared)`,
      },
    };
  } finally {
    await hub.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
