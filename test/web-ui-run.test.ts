// The web UI's run page, workflow runs and lineage explorer, as a person uses them against a
// real hub with real runs: a run's results (per-class table, confusion matrix, robustness
// curves, artifacts shown), a workflow's steps as a graph whose status changes live with its
// requirement verdicts, the path from a finding to the dataset it rests on, a 200-node graph,
// and a run of 10,000 events. Every view is checked with axe-core (no serious or critical
// violation). How fast the first page and the big views became usable is written to
// test/output/ui-speed-<database>.json (a record for a reviewer, not an assertion).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Actor, localOperator } from '../src/resolvers/core/actor.ts';
import { createApiToken } from '../src/resolvers/identity/tokens.ts';
import { RunnerRegistry } from '../src/runners/registry.ts';
import { graphql } from './gql/index.ts';
import { accessibilityProblemsOf } from './support/axe.ts';
import { browserMissing, launchBrowser } from './support/browser.ts';
import { emitRunner } from './support/emit-runner.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { gateRunner } from './support/gate-runner.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { onnxBytes } from './support/onnx-models.ts';
import {
  DefineWorkflow,
  RegisterDataset,
  RegisterDatasetVersion,
  RegisterModel,
  RegisterModelVersion,
} from './support/registry-documents.ts';
import { StartRun, StartWorkflow, waitForStatus } from './support/run-documents.ts';

const OUTPUT = join(import.meta.dirname, 'output');
const DATABASE = process.env.DATABASE_URL ? 'postgresql' : 'pglite';
/** How long a condition may take to hold on a busy machine (a wait, not a timing check). */
const EVENTUALLY = { timeout: 30_000 };

const OpenRun = graphql(`
  mutation UiTestOpenExternalRun($input: OpenExternalRunInput!) {
    openExternalRun(input: $input) {
      __typename
      ... on RunPayload { run { id } }
      ... on Error { message }
    }
  }
`);

const AppendRunEvents = graphql(`
  mutation UiTestAppendEvents($input: AppendExternalRunEventsInput!) {
    appendExternalRunEvents(input: $input) {
      __typename
      ... on AppendExternalRunEventsPayload { stored nextSeq }
      ... on Error { message }
    }
  }
`);

const FinishRun = graphql(`
  mutation UiTestFinishExternalRun($input: FinishExternalRunInput!) {
    finishExternalRun(input: $input) {
      __typename
      ... on RunPayload { run { id status } }
      ... on Error { message }
    }
  }
`);

const RunStatus = graphql(`
  query UiTestRunStatus($id: ID!) {
    node(id: $id) { ... on Run { status } }
  }
`);

describe.skipIf(browserMissing)('the run page, workflow runs and the lineage explorer', () => {
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  const files = tempFolder('evalhub-ui-run-');
  const failures: string[] = [];
  const speed: Record<string, unknown> = { database: DATABASE };

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    t = await startTestHub({ runners: [emitRunner, gateRunner] });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => failures.push(String(error)));
    page.on('response', (response) => {
      if (response.status() >= 400) failures.push(`${response.status()}: ${response.url()}`);
    });
  });

  afterAll(async () => {
    writeFileSync(join(OUTPUT, `ui-speed-${DATABASE}.json`), `${JSON.stringify(speed, null, 2)}\n`);
    await browser?.close();
    await t?.close();
    files.remove();
  });

  async function check(name: string) {
    expect(await accessibilityProblemsOf(page)).toEqual([]);
    await page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });
    expect(failures).toEqual([]);
  }

  async function startEmitRun(name: string, config: Record<string, unknown>, inputs?: unknown[]) {
    const { data } = await t.graphql(StartRun, {
      input: { project: 'vision', runner: 'emit', name, config, ...(inputs ? { inputs } : {}) },
    } as never);
    if (data.startRun.__typename !== 'StartRunPayload') throw new Error(JSON.stringify(data));
    return waitForStatus(t, data.startRun.run.id, ['SUCCEEDED']);
  }

  it('shows the first run row soon after navigation (recorded, not asserted)', async () => {
    await startEmitRun('first light', {});
    // A fresh page with an empty cache: the first page as a new user's browser loads it.
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Notes when the first run row enters the page, in ms since the navigation started.
    await fresh.addInitScript({
      content: `new MutationObserver((changes, observer) => {
        if (!document.querySelector('tr[data-run]')) return;
        globalThis.firstRunRowAt = performance.now();
        observer.disconnect();
      }).observe(document, { childList: true, subtree: true });`,
    });
    await fresh.goto(`${t.hub.url}/ui/runs`);
    await fresh.getByRole('link', { name: 'first light' }).waitFor();
    const timing = (await fresh.evaluate(`({
      firstRunRowMs: globalThis.firstRunRowAt,
      firstContentfulPaintMs:
        performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      domContentLoadedMs: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
    })`)) as { firstRunRowMs: number };
    expect(timing.firstRunRowMs).toBeGreaterThan(0);
    speed.runsPage = timing;
    await fresh.close();
  });

  it("shows a run's per-class table, confusion matrix, robustness curves and artifacts", async () => {
    const ci = (value: number) => ({ lower: value - 0.04, upper: value + 0.04, level: 0.95 });
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="120" height="60" fill="#0072B2"/></svg>';
    const run = await startEmitRun('pets eval', {
      metrics: [
        { key: 'accuracy', value: 0.9, ci: ci(0.9) },
        { key: 'accuracy', value: 0.95, slice: { class: 'cat' }, ci: ci(0.95) },
        { key: 'accuracy', value: 0.85, slice: { class: 'dog' }, ci: ci(0.85) },
        { key: 'confusion_count', value: 95, slice: { true: 'cat', predicted: 'cat' } },
        { key: 'confusion_count', value: 5, slice: { true: 'cat', predicted: 'dog' } },
        { key: 'confusion_count', value: 15, slice: { true: 'dog', predicted: 'cat' } },
        { key: 'confusion_count', value: 85, slice: { true: 'dog', predicted: 'dog' } },
        ...[0.88, 0.8, 0.6].map((value, i) => ({
          key: 'accuracy',
          value,
          step: i + 1,
          slice: { perturbation: 'blur', severity: String(i + 1) },
          ci: ci(value),
        })),
      ],
      artifacts: [{ name: 'chart.svg', mediaType: 'image/svg+xml', text: svg, json: null }],
    });
    await page.goto(`${t.hub.url}/ui/runs/${run.id}`);
    const perClass = page.getByRole('table', { name: 'metrics per class' });
    await perClass
      .getByRole('row', { name: /^dog/ })
      .getByRole('cell', { name: '0.8500 (0.8100 – 0.8900)' })
      .waitFor();
    const matrix = page.getByRole('table', { name: 'confusion matrix' });
    expect(
      await matrix.getByRole('row', { name: /^dog/ }).getByRole('cell').allTextContents(),
    ).toEqual(['15', '85']);
    await page
      .getByRole('img', { name: /^accuracy under blur, by severity: 1 0\.880, 2 0\.800, 3 0\.600/ })
      .waitFor();
    await page
      .getByRole('table', { name: 'robustness by severity' })
      .getByRole('row', { name: /blur 3/ })
      .getByRole('cell', { name: '0.300' })
      .waitFor();
    await page
      .getByRole('table', { name: 'metrics on the whole data' })
      .getByRole('cell', { name: '0.8600 – 0.9400 (95%)' })
      .waitFor();
    // The SVG artifact is shown, decoded by the browser, not only linked.
    const shown = page.getByRole('img', { name: 'chart.svg, an artifact of the run' });
    await shown.waitFor();
    await expect
      .poll(
        () => shown.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
        EVENTUALLY,
      )
      .toBe(120);
    await check('run-results');
  });

  it('shows every metric of a run with more than a page of them', async () => {
    const metrics = Array.from({ length: 620 }, (_, i) => ({
      key: `m${String(i).padStart(3, '0')}`,
      value: i / 1000,
    }));
    const { data } = await t.graphql(StartRun, {
      input: { project: 'vision', runner: 'emit', name: 'many metrics', config: { metrics } },
    } as never);
    if (data.startRun.__typename !== 'StartRunPayload') throw new Error(JSON.stringify(data));
    const id = data.startRun.run.id;
    await expect
      .poll(async () => {
        const { data: status } = await t.graphql(RunStatus, { id });
        return status.node && 'status' in status.node ? status.node.status : null;
      }, EVENTUALLY)
      .toBe('SUCCEEDED');
    await page.goto(`${t.hub.url}/ui/runs/${id}`);
    const table = page.getByRole('table', { name: 'metrics on the whole data' });
    // The first page holds 500; the rest come from the pages after it.
    await table.getByRole('cell', { name: 'm619', exact: true }).waitFor();
    await expect.poll(() => table.getByRole('row').count(), EVENTUALLY).toBe(621);
    expect(failures).toEqual([]);
  });

  it("draws a workflow's steps as a graph whose status changes live, with its verdicts", async () => {
    const gate = join(files.path, 'gate');
    const { data } = await t.graphql(DefineWorkflow, {
      input: {
        project: 'vision',
        name: 'gated-check',
        spec: {
          steps: [
            {
              id: 'measure',
              runner: 'emit',
              config: {
                metrics: [
                  { key: 'accuracy', value: 0.7, ci: { lower: 0.65, upper: 0.75, level: 0.95 } },
                ],
              },
            },
            { id: 'hold', runner: 'gate', dependsOn: ['measure'], config: { metrics: 0, gate } },
          ],
          requirements: [
            { id: 'target', step: 'measure', metric: 'accuracy', op: '>=', threshold: 0.9 },
            { id: 'floor', step: 'measure', metric: 'accuracy', op: '>=', threshold: 0.5 },
          ],
        },
      },
    });
    if (data.defineWorkflow.__typename !== 'DefineWorkflowPayload') throw new Error('not defined');
    const started = await t.graphql(StartWorkflow, {
      input: { workflowVersion: data.defineWorkflow.workflowVersion.id, name: 'gated' },
    });
    if (started.data.startWorkflow.__typename !== 'RunPayload') throw new Error('not started');
    const workflowRun = started.data.startWorkflow.run.id;
    await page.goto(`${t.hub.url}/ui/runs/${workflowRun}`);
    const graph = page.locator('.step-graph');
    await graph.getByLabel('step measure · SUCCEEDED').waitFor({ timeout: 30_000 });
    await graph.getByLabel('step hold · RUNNING').waitFor({ timeout: 30_000 });
    // The verdicts arrive as the measuring step ends, while the workflow still runs.
    const verdicts = page.getByRole('table', { name: 'requirement verdicts' });
    const target = verdicts.locator('[data-requirement="target"]');
    await target.getByText('FAIL', { exact: true }).waitFor();
    expect(await target.getByRole('cell').nth(3).textContent()).toBe('0.7 (0.65 – 0.75)');
    await verdicts
      .locator('[data-requirement="floor"]')
      .getByText('PASS', { exact: true })
      .waitFor();
    await check('workflow-graph-running');
    writeTree(files.path, { gate: 'open' });
    await graph.getByLabel('step hold · SUCCEEDED').waitFor({ timeout: 30_000 });
    await page.locator('h1 .status-succeeded').waitFor();
    await check('workflow-graph-done');
    // A click on a step opens its run.
    await graph.getByLabel('step measure · SUCCEEDED').click();
    await page.waitForURL((url) => !url.pathname.endsWith(workflowRun));
    await page.getByRole('link', { name: 'gated' }).waitFor();
    // ...with its own log, not the workflow's.
    await page.getByRole('log').locator('.log-metric', { hasText: 'accuracy = 0.7' }).waitFor();
    expect(await page.getByRole('log').locator('.log-step').count()).toBe(0);
  });

  it('highlights the path from a finding to the dataset it was derived from', async () => {
    writeTree(files.path, { 'raw.jsonl': '{"x":1}\n', 'clean.jsonl': '{"x":1,"ok":true}\n' });
    const dataset = await t.graphql(RegisterDataset, {
      input: { project: 'vision', name: 'photos', task: 'OTHER' },
    });
    expect(dataset.data.registerDataset.__typename).toBe('RegisterDatasetPayload');
    const register = async (file: string, derivedFrom?: string) => {
      const { data } = await t.graphql(RegisterDatasetVersion, {
        input: {
          dataset: 'vision/photos',
          uri: join(files.path, file),
          format: 'JSONL',
          ...(derivedFrom
            ? { derivedFrom: { datasetVersion: derivedFrom, transform: { name: 'clean' } } }
            : {}),
        },
      });
      if (data.registerDatasetVersion.__typename !== 'RegisterDatasetVersionPayload')
        throw new Error(JSON.stringify(data));
      return data.registerDatasetVersion.datasetVersion;
    };
    const ci = (value: number) => ({ lower: value - 0.04, upper: value + 0.04, level: 0.95 });
    const raw = await register('raw.jsonl');
    const clean = await register('clean.jsonl', raw.id);
    const run = await startEmitRun(
      'photo check',
      { findings: [{ kind: 'BIAS', severity: 'MEDIUM', title: 'Fewer dogs at night' }] },
      [{ role: 'dataset', version: clean.id }],
    );
    await page.goto(`${t.hub.url}/ui/lineage?id=${encodeURIComponent(run.findings[0]!.id)}`);
    await page.locator('.react-flow__node').first().waitFor();
    await page
      .getByLabel('Highlight the path to')
      .selectOption({ label: `dataset photos@${raw.version}` });
    const path = page.getByRole('list', { name: 'the path' });
    await expect
      .poll(() => path.getByRole('listitem').allTextContents(), EVENTUALLY)
      .toEqual([
        'finding MEDIUM: Fewer dogs at night',
        'run photo check · SUCCEEDED',
        `dataset photos@${clean.version}`,
        `dataset photos@${raw.version}`,
      ]);
    await expect
      .poll(() => page.locator('.react-flow__node.lineage-on-path').count(), EVENTUALLY)
      .toBe(4);
    await expect
      .poll(() => page.locator('.react-flow__edge.lineage-path-edge').count(), EVENTUALLY)
      .toBe(3);
    // The path is in the address: a link to it shows it again.
    expect(new URL(page.url()).searchParams.get('to')).toBe(raw.id);
    await check('lineage-path');
    // The runs that used the version, from the registry; and found by search.
    await page.goto(`${t.hub.url}/ui/registry`);
    await page.getByRole('link', { name: `runs that used ${clean.version}` }).click();
    await page.waitForURL(/\/ui\/runs\?used=/);
    await page.getByRole('link', { name: 'photo check' }).waitFor();
    await expect.poll(() => page.locator('tr[data-run]').count()).toBe(1);
    await check('runs-used-version');
    await page.goto(
      `${t.hub.url}/ui/search?type=RUN&dataset=${encodeURIComponent(clean.id)}&since=2000-01-01`,
    );
    const results = page.getByRole('region', { name: 'Results' });
    await results.getByRole('link', { name: 'photo check' }).waitFor();
    await expect.poll(() => results.getByRole('listitem').count()).toBe(1);
    await page.goto(`${t.hub.url}/ui/search?type=RUN&until=2000-01-01`);
    await page.getByRole('region', { name: 'Results' }).getByText('Nothing matches.').waitFor();
    // Two versions of a model evaluated on the clean data, ranked with their intervals.
    writeTree(files.path, { 'a.onnx': onnxBytes('model a'), 'b.onnx': onnxBytes('model b') });
    await t.graphql(RegisterModel, { input: { project: 'vision', name: 'sorter', task: 'OTHER' } });
    for (const [file, accuracy] of [
      ['a.onnx', 0.7],
      ['b.onnx', 0.9],
    ] as const) {
      const { data } = await t.graphql(RegisterModelVersion, {
        input: { model: 'vision/sorter', uri: join(files.path, file), format: 'ONNX' },
      });
      if (data.registerModelVersion.__typename !== 'RegisterModelVersionPayload')
        throw new Error(JSON.stringify(data));
      await startEmitRun(
        `sort with ${file}`,
        { metrics: [{ key: 'accuracy', value: accuracy, ci: ci(accuracy) }] },
        [
          { role: 'model', version: data.registerModelVersion.modelVersion.id },
          { role: 'dataset', version: clean.id },
        ],
      );
    }
    await page.goto(`${t.hub.url}/ui/registry`);
    // The clean version under the raw one it was derived from.
    const photos = page.locator('article', { hasText: 'vision/photos' }).locator('tbody tr');
    await expect
      .poll(() => photos.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-depth'))))
      .toEqual(['0', '1']);
    expect(await photos.nth(1).getByRole('link').first().textContent()).toBe(clean.version);
    await page
      .getByLabel('Dataset version')
      .selectOption({ label: `vision/photos@${clean.version}` });
    const ranking = page.getByRole('table', { name: 'models ranked by accuracy' });
    await expect
      .poll(() => ranking.getByRole('row').allTextContents(), EVENTUALLY)
      .toEqual([
        expect.stringMatching(/^Rank/),
        expect.stringMatching(/^1vision\/sorter@v2 ?0\.9000 \(0\.8600 – 0\.9400\)/),
        expect.stringMatching(/^2vision\/sorter@v1 ?0\.7000 \(0\.6600 – 0\.7400\)/),
      ]);
    await check('registry-ranking');
  });

  it('fits a 200-node graph on screen, says it is partial, and expands a node', async () => {
    const run = await startEmitRun('many findings', {
      findings: Array.from({ length: 250 }, (_, i) => ({
        kind: 'NOTE',
        severity: 'INFO',
        title: `note ${String(i).padStart(3, '0')}`,
      })),
    });
    // Start from one finding: its run is one click away, and the run's findings are 250.
    // Recorded: the time from navigation and from the click to the fitted graph, and the CPU
    // time the page's main thread and its whole renderer process (workers too) spent from the
    // click (CPU time says more than the clock on a machine shared with other work).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const cpu = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      const value = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
      return { thread: value('ThreadTime'), process: value('ProcessTime') };
    };
    const opened = Date.now();
    await page.goto(`${t.hub.url}/ui/lineage?id=${encodeURIComponent(run.findings[0]!.id)}`);
    const runNode = page.locator('.react-flow__node', { hasText: 'run many findings' });
    await runNode.waitFor();
    const clicked = Date.now();
    const cpuAtClick = await cpu();
    await runNode.click();
    const facts = page.locator('.graph-facts');
    await expect.poll(() => facts.textContent(), EVENTUALLY).toMatch(/^\d{3} nodes/);
    await expect.poll(() => facts.textContent(), EVENTUALLY).toMatch(/Click a node to add/);
    const count = Number((await facts.textContent())!.split(' ')[0]);
    expect(count).toBeGreaterThanOrEqual(200);
    await expect
      .poll(() => facts.textContent(), EVENTUALLY)
      .toMatch(/Partial: the hub cut the walk/);
    const nodes = page.locator('.react-flow__node');
    await expect.poll(() => nodes.count(), EVENTUALLY).toBe(count);
    // Every node inside the graph's frame once it is fitted again.
    await expect
      .poll(async () => {
        type Box = { left: number; top: number; right: number; bottom: number };
        const { frame, boxes } = (await page.evaluate(`({
          frame: document.querySelector('.react-flow').getBoundingClientRect().toJSON(),
          boxes: [...document.querySelectorAll('.react-flow__node')]
            .map((n) => n.getBoundingClientRect().toJSON()),
        })`)) as { frame: Box; boxes: Box[] };
        return boxes.filter(
          (b) =>
            b.left < frame.left - 1 ||
            b.top < frame.top - 1 ||
            b.right > frame.right + 1 ||
            b.bottom > frame.bottom + 1,
        ).length;
      }, EVENTUALLY)
      .toBe(0);
    const cpuAtFitted = await cpu();
    speed.lineage200 = {
      nodes: count,
      openToFittedMs: Date.now() - opened,
      clickToFittedMs: Date.now() - clicked,
      mainThreadCpuMs: Math.round((cpuAtFitted.thread - cpuAtClick.thread) * 1000),
      rendererCpuMs: Math.round((cpuAtFitted.process - cpuAtClick.process) * 1000),
    };
    await cdp.detach();
    // Still answers: zooming in changes the view.
    const viewport = page.locator('.react-flow__viewport');
    const before = await viewport.getAttribute('style');
    await page.getByRole('button', { name: 'Zoom In' }).click();
    await expect.poll(() => viewport.getAttribute('style'), EVENTUALLY).not.toBe(before);
    await check('lineage-200');
  });

  it('keeps a run of 10,000 events smooth: only a window of the log is in the page', async () => {
    const { data } = await t.graphql(OpenRun, {
      input: { project: 'vision', runner: 'notebook', runnerVersion: '1.0.0', name: 'chatty' },
    });
    if (data.openExternalRun.__typename !== 'RunPayload') throw new Error('not opened');
    const runId = data.openExternalRun.run.id;
    for (let first = 1; first <= 10_000; first += 1000) {
      const events = Array.from({ length: 1000 }, (_, i) => ({
        type: 'log',
        message: `line ${first + i}`,
      }));
      const { data: appended } = await t.graphql(AppendRunEvents, {
        input: { run: runId, firstSeq: first, events },
      });
      expect(appended.appendExternalRunEvents).toMatchObject({ stored: 1000 });
    }
    const { data: finished } = await t.graphql(FinishRun, {
      input: { run: runId, status: 'SUCCEEDED', eventCount: 10_000 },
    });
    expect(finished.finishExternalRun.__typename).toBe('RunPayload');
    const started = Date.now();
    await page.goto(`${t.hub.url}/ui/runs/${runId}`);
    // QUEUED, RUNNING, the 10,000 lines, SUCCEEDED.
    const log = page.getByRole('log', { name: 'event log, 10003 events' });
    await log.waitFor({ timeout: 60_000 });
    speed.tenThousandEvents = { navigationToAllEventsMs: Date.now() - started };
    // It follows the end: the last event is on screen, and only a window of rows is in the page.
    await log.locator('.log-status', { hasText: 'SUCCEEDED' }).waitFor();
    await log.getByText('line 10000', { exact: false }).waitFor();
    expect(await log.locator('.log-line').count()).toBeLessThan(100);
    await log.evaluate((el) => {
      el.scrollTop = 0;
    });
    await log.locator('.log-status', { hasText: 'QUEUED' }).waitFor();
    expect(await log.getByText('line 10000').count()).toBe(0);
    expect(await log.locator('.log-line').count()).toBeLessThan(100);
    await log.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await log.locator('.log-status', { hasText: 'SUCCEEDED' }).waitFor();
    await log.getByText('line 10000').waitFor();
    await check('run-10k-events');
  });
});

describe.skipIf(browserMissing)('the lineage explorer for a token of one project', () => {
  let t: TestHub;
  let browser: Browser;
  const files = tempFolder('evalhub-ui-hidden-');
  const admin: Actor = { id: 'token:admin', kind: 'token', name: 'admin', admin: true, roles: {} };

  beforeAll(async () => {
    t = await startTestHub({ config: { auth: { mode: 'required', oidc: null } } });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    files.remove();
  });

  it('counts the nodes it hides, and shows none of them', async () => {
    writeTree(files.path, { 'raw.jsonl': '{"x":1}\n', 'clean.jsonl': '{"x":2}\n' });
    const versions: Record<string, string> = {};
    for (const [project, name, derivedFrom] of [
      ['secret', 'raw', undefined],
      ['lab', 'clean', 'raw'],
    ] as const) {
      await t.graphql(RegisterDataset, { input: { project, name, task: 'OTHER' } }, { as: admin });
      const { data } = await t.graphql(
        RegisterDatasetVersion,
        {
          input: {
            dataset: `${project}/${name}`,
            uri: join(files.path, `${name}.jsonl`),
            format: 'JSONL',
            ...(derivedFrom
              ? { derivedFrom: { datasetVersion: versions[derivedFrom]!, transform: { name } } }
              : {}),
          },
        },
        { as: admin },
      );
      if (data.registerDatasetVersion.__typename !== 'RegisterDatasetVersionPayload')
        throw new Error(JSON.stringify(data));
      versions[name] = data.registerDatasetVersion.datasetVersion.id;
    }
    const ctx = {
      db: t.database.db,
      actor: localOperator('test'),
      runners: new RunnerRegistry([]),
    };
    const { secret } = await createApiToken(ctx, {
      name: 'lab viewer',
      project: 'lab',
      role: 'viewer',
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${t.hub.url}/ui/lineage?id=${encodeURIComponent(versions.clean!)}`);
    await page.getByLabel('API token').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const facts = page.locator('.graph-facts');
    await expect
      .poll(() => facts.textContent(), EVENTUALLY)
      .toMatch(/Hidden: 1 node in projects you may not see/);
    expect(await page.locator('.react-flow__node', { hasText: 'raw' }).count()).toBe(0);
    await page.locator('.react-flow__node', { hasText: 'dataset clean' }).waitFor();
    expect(await accessibilityProblemsOf(page)).toEqual([]);
    await page.screenshot({ path: join(OUTPUT, 'lineage-hidden.png'), fullPage: true });
  });
});
