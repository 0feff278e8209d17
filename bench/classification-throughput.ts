// Images per second through the evaluate-classification runner against a bare
// onnxruntime-node + sharp loop over the same model and images, in the same run and
// process, measured alternately. The hub's time runs from the startRun request to the run's
// terminal status being committed: queueing, loading the model, inference, the bootstrap
// intervals and storing every metric, artifact and finding. Goal: overhead <= 10%; and a
// simple query answered within 50 ms (p99) during an evaluation.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import type { DatabaseHandle } from '../src/db/connect.ts';
import { type Hub, startHub } from '../src/server.ts';
import { classifyBare, openBareSession } from './support/bare-classification.ts';
import { benchHubConfig } from './support/bench-hub.ts';
import {
  CLASSES,
  type ClassificationWorkload,
  SIDE,
  writeClassificationWorkload,
} from './support/classification-workload.ts';
import type { BenchResult } from './support/measure.ts';

/** The runner's default batch size, used by both sides. */
const BATCH_SIZE = 32;
/**
 * Measured rounds after one warm-up of each side, each running both sides once:
 * EVALHUB_BENCH_ROUNDS, 3 by default. More steady a median on a busy machine.
 */
const ROUNDS = Number(process.env.EVALHUB_BENCH_ROUNDS ?? 3);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
  throw new Error(`EVALHUB_BENCH_ROUNDS must be a whole number of at least 1, not ${ROUNDS}`);
const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/** User + system CPU time of this process since `start`, in milliseconds. */
const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const rate = (images: number, ms: number) => `${Math.round((images * 1000) / ms)} images/s`;
const msText = (value: number) => `${Math.round(value)} ms`;
const percent = (value: number) => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;

interface HubRunTiming {
  /** From the startRun request to the terminal status's notification. */
  wallMs: number;
  /** CPU time of this process (every thread) meanwhile. */
  cpuMs: number;
  /** Outside the run: the startRun request, the queue, hearing of the end. */
  outsideMs: number;
  /** startedAt to finishedAt, as the run records them. */
  runMs: number;
  /** Reading the folder, loading the model and the first batch. */
  startupMs: number;
  /** The other batches, the bootstrap intervals and emitting the results. */
  computeMs: number;
  /** Storing what was not yet stored, and ending the run. */
  finishingMs: number;
  bootstrapResamples: number;
  accuracy: number;
  /** Per item id, 1 if predicted correctly. */
  perItem: Record<string, number>;
}

interface RunView {
  status: string;
  error: { code: string; message: string } | null;
  config: { bootstrapResamples: number };
  startedAt: string;
  finishedAt: string;
  metrics: { edges: Array<{ node: { value: number; slice: Record<string, string> } }> };
  artifacts: Array<{ name: string; url: string }>;
  events: {
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: Array<{ node: { __typename: string; at: string; stage?: string | null } }>;
  };
}

const RunResults = `query BenchRunResults($id: ID!, $after: String) {
  node(id: $id) {
    ... on Run {
      status error { code message } config startedAt finishedAt
      metrics(key: "accuracy", first: 500) { edges { node { value slice } } }
      artifacts { name url }
      events(first: 1000, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { __typename at ... on RunProgressEvent { stage } } }
      }
    }
  }
}`;

/** A GraphQL call to the hub; fails on any error. */
async function call<T>(hub: Hub, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

/** The payload of a mutation whose result union has the member `typename`. */
function payload<T>(result: { __typename: string; message?: string } & T, typename: string): T {
  if (result.__typename !== typename)
    throw new Error(`expected ${typename}, got ${result.__typename}: ${result.message ?? ''}`);
  return result;
}

/** Registers the workload's model and dataset; their version ids. */
async function register(hub: Hub, workload: ClassificationWorkload) {
  type Result = { __typename: string; message?: string };
  const task = 'IMAGE_CLASSIFICATION';
  await call(hub, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { __typename } }', {
    i: { project: 'bench', name: 'stripes-mlp', task },
  });
  await call(
    hub,
    'mutation($i: RegisterDatasetInput!) { registerDataset(input: $i) { __typename } }',
    { i: { project: 'bench', name: 'stripes', task } },
  );
  const model = await call<{ registerModelVersion: Result & { modelVersion: { id: string } } }>(
    hub,
    `mutation($i: RegisterModelVersionInput!) { registerModelVersion(input: $i) {
      __typename ... on RegisterModelVersionPayload { modelVersion { id } } ... on Error { message } } }`,
    { i: { model: 'bench/stripes-mlp', version: 'v1', uri: workload.model, format: 'ONNX' } },
  );
  const dataset = await call<{
    registerDatasetVersion: Result & { datasetVersion: { id: string } };
  }>(
    hub,
    `mutation($i: RegisterDatasetVersionInput!) { registerDatasetVersion(input: $i) {
      __typename ... on RegisterDatasetVersionPayload { datasetVersion { id } } ... on Error { message } } }`,
    {
      i: { dataset: 'bench/stripes', version: 'v1', uri: workload.folder, format: 'IMAGE_FOLDER' },
    },
  );
  return {
    model: payload(model.registerModelVersion, 'RegisterModelVersionPayload').modelVersion.id,
    dataset: payload(dataset.registerDatasetVersion, 'RegisterDatasetVersionPayload').datasetVersion
      .id,
  };
}

/**
 * When runs end, as the hub's own LISTEN connection hears it: the moment a client watching
 * the run would learn of it, without polling that would load the process being measured.
 */
function watchEnds(hub: Hub) {
  const ended = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const stop = hub.listener.on('evalhub_run_status', (notification) => {
    const [id, , status] = notification.split(':');
    if (!id || !TERMINAL.includes(status ?? '')) return;
    ended.set(id, performance.now());
    waiters.get(id)?.();
  });
  return {
    stop,
    /** When run `id` (a local id) ended; a slow poll covers a lost notification. */
    async end(id: string, globalId: string): Promise<number> {
      const deadline = Date.now() + 10 * 60_000;
      while (!ended.has(id)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2000);
          waiters.set(id, () => {
            clearTimeout(timer);
            resolve();
          });
        });
        waiters.delete(id);
        if (ended.has(id)) break;
        const { node } = await call<{ node: { status: string } }>(
          hub,
          'query($id: ID!) { node(id: $id) { ... on Run { status } } }',
          { id: globalId },
        );
        if (TERMINAL.includes(node.status)) ended.set(id, performance.now());
        else if (Date.now() > deadline) throw new Error(`run ${globalId} is still ${node.status}`);
      }
      return ended.get(id)!;
    },
  };
}

/** The run's results and every event, page by page. */
async function runResults(hub: Hub, id: string) {
  let view: RunView | null = null;
  const events: RunView['events']['edges'] = [];
  let after: string | null = null;
  do {
    const { node }: { node: RunView } = await call<{ node: RunView }>(hub, RunResults, {
      id,
      after,
    });
    view ??= node;
    events.push(...node.events.edges);
    after = node.events.pageInfo.hasNextPage ? node.events.pageInfo.endCursor : null;
  } while (after);
  return { view: view!, events: events.map((edge) => edge.node) };
}

/** Runs evaluate-classification on the workload through the API, with its defaults, and times it. */
async function hubRun(
  hub: Hub,
  ends: ReturnType<typeof watchEnds>,
  versions: { model: string; dataset: string },
): Promise<HubRunTiming> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const started = await call<{
    startRun: { __typename: string; message?: string; run: { id: string } };
  }>(
    hub,
    `mutation($i: StartRunInput!) { startRun(input: $i) {
      __typename ... on StartRunPayload { run { id } } ... on Error { message } } }`,
    {
      i: {
        project: 'bench',
        runner: 'evaluate-classification',
        inputs: [
          { role: 'model', version: versions.model },
          { role: 'dataset', version: versions.dataset },
        ],
        // Every default, as a first-time user would run it.
        config: {},
      },
    },
  );
  const globalId = payload(started.startRun, 'StartRunPayload').run.id;
  const localId = Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;
  const end = await ends.end(localId, globalId);
  const cpuMs = cpuMsSince(cpu);
  const { view, events } = await runResults(hub, globalId);
  if (view.status !== 'SUCCEEDED')
    throw new Error(`the run ${view.status}: ${view.error?.message ?? 'no error recorded'}`);
  // When progress events were stored: within the event writer's 15 ms linger while batches
  // run. The bootstrap holds the main thread for tens of milliseconds (yielding every 50),
  // so the last batches' events and the results are stored together after it: where the
  // last batch ends and the bootstrap starts cannot be told from them.
  const stored = (stage: string) =>
    events
      .filter((e) => e.__typename === 'RunProgressEvent' && e.stage === stage)
      .map((e) => Date.parse(e.at));
  const [firstBatch] = stored('inference');
  const [done] = stored('done');
  if (firstBatch === undefined || done === undefined)
    throw new Error('the run reported no inference or no end');
  const [startedAt, finishedAt] = [Date.parse(view.startedAt), Date.parse(view.finishedAt)];
  const accuracy = view.metrics.edges.find((e) => Object.keys(e.node.slice).length === 0)?.node;
  const perItem = view.artifacts.find((a) => a.name === 'per-item/accuracy.json');
  if (!accuracy || !perItem) throw new Error('the run reported no accuracy');
  const wallMs = end - start;
  return {
    wallMs,
    cpuMs,
    // The rest of the wall time is the run itself; the clocks agree to a millisecond or so.
    outsideMs: wallMs - (finishedAt - startedAt),
    runMs: finishedAt - startedAt,
    startupMs: firstBatch - startedAt,
    computeMs: done - firstBatch,
    finishingMs: finishedAt - done,
    bootstrapResamples: view.config.bootstrapResamples,
    accuracy: accuracy.value,
    perItem: (await (await fetch(`${hub.url}${perItem.url}`)).json()) as Record<string, number>,
  };
}

/**
 * Latencies of a simple GraphQL query (a run's status by id) sent one after another while
 * `during` is under way: how responsive the API stays while a worker of the same process
 * evaluates. Milliseconds, sorted.
 */
async function probeLatencies(hub: Hub, during: Promise<unknown>, runId: string) {
  let done = false;
  const ended = during.finally(() => {
    done = true;
  });
  const samples: number[] = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  while (!done) {
    const start = performance.now();
    await call(hub, 'query($id: ID!) { node(id: $id) { ... on Run { status } } }', { id: runId });
    samples.push(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await ended;
  loopDelay.disable();
  return {
    latencies: samples.sort((a, b) => a - b),
    /** How late the event loop ran, p99 and max, in ms. */
    loopDelay: [loopDelay.percentile(99), loopDelay.max].map((ns) => ns / 1e6),
  };
}

/** Loads the model and classifies every image, as one evaluation by hand would. */
async function bareRun(workload: ClassificationWorkload) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const session = await openBareSession(workload.model);
  const loadMs = performance.now() - start;
  try {
    const result = await classifyBare(session, workload.items, SIDE, BATCH_SIZE);
    return { ...result, wallMs: performance.now() - start, cpuMs: cpuMsSince(cpu), loadMs };
  } finally {
    await session.release();
  }
}

/** Fails unless the hub judged every image as the bare loop did: else the work differs. */
function checkSameWork(
  workload: ClassificationWorkload,
  bare: Awaited<ReturnType<typeof bareRun>>,
  hub: HubRunTiming,
): void {
  if (hub.accuracy !== bare.accuracy)
    throw new Error(`the hub's accuracy ${hub.accuracy} is not the bare loop's ${bare.accuracy}`);
  workload.items.forEach((item, i) => {
    const id = relative(workload.folder, item.path).split(sep).join('/');
    const bareCorrect = bare.predicted[i] === item.label ? 1 : 0;
    if (hub.perItem[id] !== bareCorrect)
      throw new Error(`the hub and the bare loop disagree on ${id}`);
  });
}

/** The benchmark on `target`'s database; the hub runs in this process with one worker. */
export async function benchClassificationThroughput(target: {
  kind: 'pglite' | 'postgres';
  database: DatabaseHandle;
}): Promise<BenchResult> {
  const root = mkdtempSync(join(tmpdir(), 'evalhub-bench-classification-'));
  let hub: Hub | null = null;
  try {
    const workload = await writeClassificationWorkload(join(root, 'data'));
    mkdirSync(join(root, 'store'));
    hub = await startHub({
      config: benchHubConfig({
        workers: 1,
        workDir: join(root, 'work'),
        storeDir: join(root, 'store'),
        hostConfig: { ...loadConfig({}).hostConfig, dataRoots: [root] },
      }),
      database: target.database,
    });
    const ends = watchEnds(hub);
    const versions = await register(hub, workload);
    const bare = await bareRun(workload);
    checkSameWork(workload, bare, await hubRun(hub, ends, versions));
    const bareRuns: Array<Awaited<ReturnType<typeof bareRun>>> = [];
    const hubRuns: HubRunTiming[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bareRuns.push(await bareRun(workload));
      hubRuns.push(await hubRun(hub, ends, versions));
      checkSameWork(workload, bareRuns.at(-1)!, hubRuns.at(-1)!);
    }
    // One more run, with a client querying the API all along it.
    const runs = await call<{ runs: { edges: Array<{ node: { id: string } }> } }>(
      hub,
      'query { runs(first: 1) { edges { node { id } } } }',
    );
    const probed = runs.runs.edges[0]!.node.id;
    const { latencies, loopDelay } = await probeLatencies(hub, hubRun(hub, ends, versions), probed);
    const quantile = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    ends.stop();
    const images = workload.items.length;
    const bareMs = median(bareRuns.map((run) => run.wallMs));
    const hubMs = median(hubRuns.map((run) => run.wallMs));
    const bareOf = (pick: (run: (typeof bareRuns)[number]) => number) =>
      msText(median(bareRuns.map(pick)));
    const hubOf = (pick: (run: HubRunTiming) => number) => msText(median(hubRuns.map(pick)));
    const overhead = hubMs / bareMs - 1;
    const cpuOverhead =
      median(hubRuns.map((run) => run.cpuMs)) / median(bareRuns.map((run) => run.cpuMs)) - 1;
    const database =
      target.kind === 'pglite'
        ? 'the embedded database included'
        : "PostgreSQL's own processes not included";
    return {
      name:
        `classification throughput (${target.kind}, ${images} JPEGs 160x120 in ${CLASSES} classes, ` +
        `MLP 12288-256-${CLASSES} at ${SIDE}x${SIDE}, batches of ${BATCH_SIZE}, hub with one worker)`,
      figures: {
        'bare onnxruntime-node + sharp loop, median (model load + every image)': `${rate(images, bareMs)} (${msText(bareMs)})`,
        'hub, startRun to SUCCEEDED, median': `${rate(images, hubMs)} (${msText(hubMs)})`,
        'hub overhead (bare rate / hub rate - 1)': percent(overhead),
        'goal: overhead <= 10%': overhead <= 0.1 ? 'met' : 'missed',
        // Other work on the machine slows whole rounds; within a round both sides share it.
        'overhead within each round (hub ms / bare ms - 1), median': percent(
          median(hubRuns.map((run, i) => run.wallMs / bareRuns[i]!.wallMs - 1)),
        ),
        [`CPU time of this process, median (${database})`]: `bare ${bareOf((r) => r.cpuMs)}, hub ${hubOf((r) => r.cpuMs)} (${percent(cpuOverhead)})`,
        'bare: model load | decode + resize + tensor | session.run, median': [
          bareOf((r) => r.loadMs),
          bareOf((r) => r.decodeMs),
          bareOf((r) => r.inferenceMs),
        ].join(' | '),
        'hub: outside the run (startRun request, queue, hearing of the end), median': hubOf(
          (r) => r.outsideMs,
        ),
        'hub: run startedAt to finishedAt, median': `${rate(images, median(hubRuns.map((r) => r.runMs)))} (${hubOf((r) => r.runMs)})`,
        [`hub: read folder + load model + first batch | other batches + bootstrap (${hubRuns[0]!.bootstrapResamples} resamples, the default) + emitting results | storing the rest + ending the run, median`]:
          [hubOf((r) => r.startupMs), hubOf((r) => r.computeMs), hubOf((r) => r.finishingMs)].join(
            ' | ',
          ),
        'samples, ms (bare | hub)': [bareRuns, hubRuns]
          .map((runs) => runs.map((run) => Math.round(run.wallMs)).join(', '))
          .join(' | '),
        'API during an evaluation: a run-status query, one after another, p50 | p99 | max': `${[
          quantile(0.5),
          quantile(0.99),
          latencies.at(-1)!,
        ]
          .map((value) => `${value.toFixed(1)} ms`)
          .join(' | ')} (${latencies.length} queries)`,
        "the hub's event-loop delay meanwhile, p99 | max": loopDelay
          .map((value) => `${value.toFixed(1)} ms`)
          .join(' | '),
        'goal: API p99 < 50 ms during an evaluation': quantile(0.99) < 50 ? 'met' : 'missed',
        'accuracy (hub = bare, item by item)': bare.accuracy,
        rounds: `${ROUNDS} measured after a warm-up of each, alternating bare / hub`,
      },
    };
  } finally {
    await hub?.close();
    rmSync(root, { recursive: true, force: true });
  }
}
