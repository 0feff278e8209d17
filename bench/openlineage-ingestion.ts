// OpenLineage ingestion: the cost per event of one chatty run (a producer sending RUNNING
// events with a changing facet), at 1,000 and at 10,000 events on the run. The import
// updates the run from each event alone, so the ratio stays near 1; re-reading the run's
// stored events on each new one made it grow with the run (about 10 here).
import type { DatabaseHandle } from '../src/db/connect.ts';
import { localOperator } from '../src/resolvers/core/actor.ts';
import { importOpenLineageEvents } from '../src/resolvers/interop/openlineage/import.ts';
import { RunnerRegistry } from '../src/runners/registry.ts';
import type { BenchResult } from './support/measure.ts';

const PRODUCER = 'https://example.com/bench-producer';
/** Events per request, as a client buffering its events would send them. */
const BATCH = 100;

/** Ingests `count` events of a new run; the time per event of its last 1,000, in ms. */
async function perEventAtEnd(database: DatabaseHandle, runNumber: number, count: number) {
  const ctx = {
    db: database.db,
    actor: localOperator('bench'),
    runners: new RunnerRegistry([]),
  };
  const runId = `0191e0c0-0000-7000-8000-${String(runNumber).padStart(12, '0')}`;
  const event = (i: number) => ({
    eventType: i === 0 ? 'START' : 'RUNNING',
    eventTime: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
    producer: PRODUCER,
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId, facets: { bench_progress: { _producer: PRODUCER, step: i } } },
    job: { namespace: 'bench', name: 'chatty' },
  });
  const measured = 1000;
  let start = 0;
  for (let from = 0; from < count; from += BATCH) {
    if (from === count - measured) start = performance.now();
    const batch = Array.from({ length: BATCH }, (_, i) => event(from + i));
    await importOpenLineageEvents(ctx, batch, null);
  }
  return (performance.now() - start) / measured;
}

export async function benchOpenLineageIngestion(
  database: DatabaseHandle,
  kind: string,
): Promise<BenchResult> {
  const small = await perEventAtEnd(database, 1, 1_000);
  const large = await perEventAtEnd(database, 2, 10_000);
  return {
    name: `openlineage-ingestion (${kind}, one run, batches of ${BATCH})`,
    figures: {
      'per event at 1,000 events': `${small.toFixed(3)} ms`,
      'per event at 10,000 events': `${large.toFixed(3)} ms`,
      'ratio (1 is linear ingestion)': (large / small).toFixed(2),
    },
  };
}
