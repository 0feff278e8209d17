// Per-image work (decoding, hashing, measuring) over many images, a few at a time: sharp
// decodes on libuv's thread pool, so a handful in flight keeps every core busy, while
// starting all of them at once would hold every decoded image in memory together.
import { availableParallelism } from 'node:os';

export interface ImageWorkOptions {
  /** At most this many calls in flight; the number of cores by default. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called after each item is done, with how many are done. */
  onDone?: (done: number) => void;
}

/**
 * Calls `work` on each item with bounded concurrency and returns the results in the items'
 * order. The first failure (or an abort) stops new calls from starting and is thrown once
 * those in flight have settled.
 */
export async function mapImages<Item, Result>(
  items: readonly Item[],
  work: (item: Item, index: number) => Promise<Result>,
  options: ImageWorkOptions = {},
): Promise<Result[]> {
  const results = new Array<Result>(items.length);
  const workers = Math.max(
    1,
    Math.min(options.concurrency ?? availableParallelism(), items.length),
  );
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      options.signal?.throwIfAborted();
      const index = next++;
      results[index] = await work(items[index]!, index);
      options.onDone?.(++done);
    }
  };
  const settled = await Promise.allSettled(
    Array.from({ length: workers }, () =>
      worker().catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results;
}
