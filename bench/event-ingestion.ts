// Event ingestion: events per second stored and published through the run engine (the
// worker's batching event writer: numbered, materialised into metric rows, NOTIFY'd),
// against a COPY of the same rows into the same table, in the same run.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type postgres from 'postgres';
import type { DatabaseHandle } from '../src/db/connect.ts';
import { newId } from '../src/db/ids.ts';
import { startListener } from '../src/db/listener.ts';
import { selectRows } from '../src/db/rows.ts';
import { EventWriter } from '../src/engine/event-writer.ts';
import { localOperator } from '../src/resolvers/core/actor.ts';
import { ensureProject } from '../src/resolvers/registry/projects.ts';
import type { NewRunEvent } from '../src/resolvers/runs/events.ts';
import { claimNextRun, queueRun } from '../src/resolvers/runs/queue.ts';
import type { BenchResult } from './support/measure.ts';

/** What a typical runner emits: metrics, logs and progress in turn (as event-generator does). */
function event(i: number, total: number): NewRunEvent {
  if (i % 3 === 0) return { type: 'log', level: 'info', message: `event ${i} of ${total}` };
  if (i % 3 === 1) return { type: 'metric', metric: { key: 'generated', value: i, step: i } };
  return { type: 'progress', fraction: i / total, stage: 'emitting', message: `${i} of ${total}` };
}

/** The run_events row the engine stores for `event` (for the COPY baseline). */
function row(event: NewRunEvent): { type: string; payload: unknown } {
  if (event.type === 'metric') return { type: 'metric', payload: event.metric };
  const { type, ...payload } = event;
  return { type, payload };
}

async function runningRun(
  database: DatabaseHandle,
  runner: string,
): Promise<{ id: string; attempt: number; worker: string }> {
  const worker = `bench-${newId()}`;
  const run = await database.db.transaction(async (tx) => {
    const project = await ensureProject(tx, localOperator('bench'), 'bench', ['project']);
    return queueRun(tx, 'bench', {
      projectId: project.id,
      runner: { id: runner, version: '1' },
      config: {},
      seed: 0,
      inputs: [],
    });
  });
  const claimed = await claimNextRun(
    database.db,
    worker,
    [{ id: runner, version: '1' }],
    600_000,
    () => ({}),
  );
  if (claimed?.id !== run.id) throw new Error('could not claim the bench run');
  return { id: run.id, attempt: claimed.attempt, worker };
}

/** COPY of `count` rows in run_events's text format, through each driver's COPY support. */
async function copyRows(
  database: DatabaseHandle,
  runId: string,
  rows: Array<{ type: string; payload: unknown }>,
  firstSeq: number,
) {
  const escapeText = (text: string) =>
    text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
  const lines = rows.map(
    (r, i) => `${runId}\t${firstSeq + i}\t${r.type}\t${escapeText(JSON.stringify(r.payload))}\n`,
  );
  if (database.kind === 'postgres') {
    const client = database.client as postgres.Sql;
    const writable =
      await client`copy run_events (run_id, seq, type, payload) from stdin`.writable();
    await pipeline(Readable.from(lines, { objectMode: false }), writable);
    return;
  }
  const client = database.client as PGlite;
  await client.query(`copy run_events (run_id, seq, type, payload) from '/dev/blob'`, [], {
    blob: new Blob(lines),
  });
}

const ROUNDS = 4;

export async function benchEventIngestion(database: DatabaseHandle): Promise<BenchResult> {
  const total = database.kind === 'postgres' ? 200_000 : 50_000;
  const events = Array.from({ length: total }, (_, i) => event(i + 1, total));

  // Published: a listener counts the notifications that announce the stored events.
  const listener = await startListener(database);
  let announced = 0;
  let engineRunId = '';
  let waiting: { until: number; resolve: () => void } | null = null;
  listener.on('evalhub_run_events', (payload) => {
    const [id, seq] = payload.split(':');
    if (id !== engineRunId) return;
    announced = Math.max(announced, Number(seq));
    if (waiting && announced >= waiting.until) waiting.resolve();
  });
  const announcedUpTo = (seq: number) =>
    announced >= seq
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          waiting = { until: seq, resolve };
        });

  const engineRun = await runningRun(database, 'bench-engine');
  engineRunId = engineRun.id;
  const writer = new EventWriter(database.db, engineRun.id, {
    workerId: engineRun.worker,
    attempt: engineRun.attempt,
  });
  const copyRun = await runningRun(database, 'bench-copy');
  const rows = events.map(row);

  // In turns, a quarter of the events each, so that load that comes and goes on a shared
  // machine weighs on both alike.
  let engineSeconds = 0;
  let copySeconds = 0;
  const share = total / ROUNDS;
  for (let round = 0; round < ROUNDS; round += 1) {
    const from = round * share;
    const engineStart = performance.now();
    for (let i = from; i < from + share; i += 1) {
      writer.push(events[i]!);
      if (i % 1000 === 999) await writer.flushed();
    }
    await writer.drain();
    // Numbered after the run's first two status events.
    await announcedUpTo(from + share + 2);
    engineSeconds += (performance.now() - engineStart) / 1000;

    const copyStart = performance.now();
    await copyRows(database, copyRun.id, rows.slice(from, from + share), from + 3);
    copySeconds += (performance.now() - copyStart) / 1000;
  }
  await listener.close();

  const [stored] = await selectRows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from run_events where run_id = ${engineRun.id}`,
  );
  const engineRate = total / engineSeconds;
  const copyRate = total / copySeconds;
  return {
    name: `event ingestion (${database.kind}, ${total.toLocaleString('en')} events: 1/3 metrics, 1/3 logs, 1/3 progress)`,
    figures: {
      'run engine (batched, numbered, metric rows, NOTIFY)': `${Math.round(engineRate).toLocaleString('en')} events/s`,
      'COPY of the same run_events rows': `${Math.round(copyRate).toLocaleString('en')} rows/s`,
      'ratio engine / COPY': Number((engineRate / copyRate).toFixed(2)),
      "events stored (with the run's 2 status events)": stored!.n,
      'last event announced by NOTIFY': announced,
    },
  };
}
