// The hub against a peer, side by side: PostGraphile v5 (Amber preset) serving the same
// generated PostgreSQL database, asked the same nested reads over HTTP by the same client,
// in turns: 50 runs with their inputs, metrics and findings; a model with its versions and
// the runs that used them. Requests per second at concurrency 1, 8 and 32, p50 and p99.
// Goal: the hub's throughput >= 1.0 x PostGraphile's on every case.

import type { DatabaseHandle } from '../src/db/connect.ts';
import { decodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { startHub } from '../src/server.ts';
import { benchHubConfig } from './support/bench-hub.ts';
import { postGraphQL } from './support/graphql-post.ts';
import { graphLabel, type LineageGraphDatabase } from './support/lineage-database.ts';
import type { BenchResult } from './support/measure.ts';
import { startPostGraphile } from './support/postgraphile-server.ts';

/** Seconds each server is driven at each concurrency, per round: EVALHUB_BENCH_PEER_SECONDS. */
const SECONDS = Number(process.env.EVALHUB_BENCH_PEER_SECONDS ?? 3);
if (!(SECONDS > 0))
  throw new Error(`EVALHUB_BENCH_PEER_SECONDS must be a positive number, not ${SECONDS}`);
const CONCURRENCY = [1, 8, 32];
const ROUNDS = 2;
/** Both servers get a pool of this many connections. */
const POOL = 10;

const HubRuns = `query PeerRuns { runs(first: 50) { edges { node {
  id name status createdAt
  inputs { role version { digest ... on Node { id } } }
  metrics(first: 500) { edges { node { key value step } } }
  findings { title severity } } } } }`;
const PeerRuns = `query PeerRuns { allRuns(first: 50, orderBy: [CREATED_AT_DESC, PRIMARY_KEY_DESC]) { nodes {
  id name status createdAt
  runInputRecordsByRunId { nodes { role
    modelVersionByModelVersionId { id digest } datasetVersionByDatasetVersionId { id digest } } }
  metricsByRunId(first: 500) { nodes { key value step } }
  findingsByRunId { nodes { title severity } } } } }`;
const HubModel = `query PeerModel($model: ID!) {
  node(id: $model) { ... on Model { id name versions(first: 20) { edges { node { id version digest } } } } }
  runs(first: 100, filter: { usedModel: $model }) { edges { node { id status
    inputs { role version { digest ... on Node { id } } } } } } }`;
const PeerModel = `query PeerModel($model: UUID!) { modelByRowId(rowId: $model) { id name
  modelVersionsByModelId(first: 20) { nodes { id version digest
    runInputRecordsByModelVersionId(first: 100) { nodes { role runByRunId { id status
      runInputRecordsByRunId { nodes { role
        modelVersionByModelVersionId { id digest } datasetVersionByDatasetVersionId { id digest } } } } } } } } } }`;

interface Figures {
  requests: number;
  seconds: number;
  samples: number[];
}

/** `clients` clients sending `send` one after another for SECONDS. */
async function drive(send: () => Promise<unknown>, clients: number): Promise<Figures> {
  const samples: number[] = [];
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const sent = performance.now();
        await send();
        samples.push(performance.now() - sent);
      }
    }),
  );
  return { requests: samples.length, seconds: (performance.now() - start) / 1000, samples };
}

function merged(figures: Figures[]) {
  const samples = figures.flatMap((f) => f.samples).sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  const rate =
    figures.reduce((sum, f) => sum + f.requests, 0) /
    figures.reduce((sum, f) => sum + f.seconds, 0);
  return { rate, p50: at(0.5), p99: at(0.99) };
}

/** Counts what a runs page holds, to check both servers answer the same read. */
function runsPageSize(runs: Array<{ metrics: unknown[]; findings: unknown[]; inputs: unknown[] }>) {
  return runs.reduce(
    (sum, run) => ({
      runs: sum.runs + 1,
      metrics: sum.metrics + run.metrics.length,
      findings: sum.findings + run.findings.length,
      inputs: sum.inputs + run.inputs.length,
    }),
    { runs: 0, metrics: 0, findings: 0, inputs: 0 },
  );
}

export async function benchPeer(
  database: DatabaseHandle,
  graph: LineageGraphDatabase,
): Promise<BenchResult> {
  const hub = await startHub({
    config: benchHubConfig(),
    database,
  });
  const peer = await startPostGraphile(graph.url, POOL);
  try {
    const hubUrl = `${hub.url}/graphql`;
    const models = await postGraphQL<{ models: { edges: Array<{ node: { id: string } }> } }>(
      hubUrl,
      'query { models(first: 1) { edges { node { id } } } }',
    );
    const model = models.models.edges[0]!.node.id;
    const modelRow = decodeGlobalId(model)!.id;
    type HubRun = { metrics: { edges: unknown[] }; findings: unknown[]; inputs: unknown[] };
    type PeerRun = {
      metricsByRunId: { nodes: unknown[] };
      findingsByRunId: { nodes: unknown[] };
      runInputRecordsByRunId: { nodes: unknown[] };
    };
    const hubPage = await postGraphQL<{ runs: { edges: Array<{ node: HubRun }> } }>(
      hubUrl,
      HubRuns,
    );
    const peerPage = await postGraphQL<{ allRuns: { nodes: PeerRun[] } }>(peer.url, PeerRuns);
    const hubSize = runsPageSize(
      hubPage.runs.edges.map(({ node }) => ({ ...node, metrics: node.metrics.edges })),
    );
    const peerSize = runsPageSize(
      peerPage.allRuns.nodes.map((run) => ({
        metrics: run.metricsByRunId.nodes,
        findings: run.findingsByRunId.nodes,
        inputs: run.runInputRecordsByRunId.nodes,
      })),
    );
    if (JSON.stringify(hubSize) !== JSON.stringify(peerSize))
      throw new Error(
        `the servers answer different runs pages: hub ${JSON.stringify(hubSize)}, PostGraphile ${JSON.stringify(peerSize)}`,
      );
    const cases = {
      '50 runs with inputs, metrics and findings': {
        hub: () => postGraphQL(hubUrl, HubRuns),
        peer: () => postGraphQL(peer.url, PeerRuns),
      },
      'a model, its versions and the runs that used them': {
        hub: () => postGraphQL(hubUrl, HubModel, { model }),
        peer: () => postGraphQL(peer.url, PeerModel, { model: modelRow }),
      },
    };
    const figures: BenchResult['figures'] = {
      graph: graphLabel(graph),
      'runs page holds': `${hubSize.runs} runs, ${hubSize.inputs} inputs, ${hubSize.metrics} metrics, ${hubSize.findings} findings (the same through both)`,
    };
    let met = true;
    for (const [name, send] of Object.entries(cases)) {
      // Warm both: documents parsed and planned, connections open.
      for (let i = 0; i < 5; i++) await Promise.all([send.hub(), send.peer()]);
      for (const clients of CONCURRENCY) {
        const hubRuns: Figures[] = [];
        const peerRuns: Figures[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          hubRuns.push(await drive(send.hub, clients));
          peerRuns.push(await drive(send.peer, clients));
        }
        const ours = merged(hubRuns);
        const theirs = merged(peerRuns);
        const ratio = ours.rate / theirs.rate;
        met &&= ratio >= 1;
        const line = (f: ReturnType<typeof merged>) =>
          `${f.rate.toFixed(1)} req/s, p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms`;
        figures[`${name}, concurrency ${clients}`] =
          `hub ${line(ours)} | PostGraphile ${line(theirs)} | hub/PostGraphile throughput ${ratio.toFixed(2)} x`;
      }
    }
    figures['goal: hub >= 1.0 x PostGraphile on every case'] = met ? 'met' : 'missed';
    figures.method = `${ROUNDS} rounds of ${SECONDS} s per server and concurrency, in turns; both in this process, each with a pool of ${POOL} connections`;
    return { name: 'peer: the hub and PostGraphile 5 on the same database (postgres)', figures };
  } finally {
    await peer.close();
    await hub.close();
  }
}
