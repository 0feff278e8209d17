import { createRequire } from 'node:module';
import { hostname } from 'node:os';

const hubVersion: string = createRequire(import.meta.url)('../../package.json').version;

/** What a run records about where it ran. */
export function runEnvironment(runner: { id: string; version: string }, workerId: string) {
  return {
    runner,
    hub: { version: hubVersion },
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    host: hostname(),
    worker: workerId,
  };
}
