// The web UI, as a person uses it, against a real hub with real runs: start a run from the
// generated form and watch it finish live, triage a finding, open a lineage graph, search.
// Every page is checked with axe-core (no serious or critical violation), and screenshots
// land in test/output/ (git-ignored) for a reviewer.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows } from '../src/db/rows.ts';
import { UI_DIST } from '../src/http/ui.ts';
import { accessibilityProblemsOf } from './support/axe.ts';
import { browserMissing, launchBrowser } from './support/browser.ts';
import { emitRunner } from './support/emit-runner.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import {
  DefineWorkflow,
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
} from './support/registry-documents.ts';
import { StartRun, waitForStatus } from './support/run-documents.ts';
import { adminToken } from './support/tokens.ts';

const SCREENSHOTS = join(import.meta.dirname, 'output');

/**
 * The main bundle's budget: the scripts the first page loads (the entry script, which sends
 * the runs list's query, and the UI it preloads), without the lazily loaded pages.
 */
const MAIN_BUNDLE_BUDGET_BYTES = 230_000;

describe('the web UI bundle', () => {
  it(`keeps the first page's scripts within ${MAIN_BUNDLE_BUDGET_BYTES / 1000} kB`, () => {
    const index = readFileSync(join(UI_DIST, 'index.html'), 'utf8');
    const entry = /<script type="module" crossorigin src="\/ui\/(assets\/[^"]+\.js)"/.exec(index);
    expect(entry).not.toBeNull();
    const preloaded = [
      ...index.matchAll(/<link rel="modulepreload" crossorigin href="\/ui\/(assets\/[^"]+\.js)"/g),
    ];
    expect(preloaded.length).toBeGreaterThan(0);
    const sizes = [entry![1]!, ...preloaded.map((link) => link[1]!)].map(
      (file) => statSync(join(UI_DIST, file)).size,
    );
    const size = sizes.reduce((a, b) => a + b);
    // React is among them: a build that left the UI out of the first page's scripts fails.
    expect(size).toBeGreaterThan(100_000);
    expect(size).toBeLessThanOrEqual(MAIN_BUNDLE_BUDGET_BYTES);
  });
});

describe.skipIf(browserMissing)('the web UI in a browser', () => {
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let findingId: string;
  const failures: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    t = await startTestHub({ runners: [emitRunner] });
    const started = await t.graphql(StartRun, {
      input: {
        project: 'vision',
        runner: 'emit',
        name: 'colour check',
        tags: ['nightly'],
        config: {
          metrics: [
            { key: 'accuracy', value: 0.82, ci: { lower: 0.78, upper: 0.86, level: 0.95 } },
          ],
          findings: [{ kind: 'DRIFT', severity: 'HIGH', title: 'Hue drift in night images' }],
        },
      },
    });
    if (started.data.startRun.__typename !== 'StartRunPayload') throw new Error('not started');
    const run = await waitForStatus(t, started.data.startRun.run.id, ['SUCCEEDED']);
    findingId = run.findings[0]!.id;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => failures.push(String(error)));
    page.on('response', (response) => {
      if (response.status() >= 400) failures.push(`${response.status()}: ${response.url()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const accessibilityProblems = () => accessibilityProblemsOf(page);

  async function check(name: string) {
    expect(await accessibilityProblems()).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    expect(failures).toEqual([]);
  }

  it('lists runs at /, which leads to /ui/runs', async () => {
    // The entry script asks for the list before the UI loads, and the page takes that answer.
    const listQueries: string[] = [];
    const onRequest = (request: { postData(): string | null }) => {
      if (request.postData()?.includes('"operationName":"UiRuns"')) listQueries.push('UiRuns');
    };
    page.on('request', onRequest);
    await page.goto(`${t.hub.url}/`);
    await page.waitForURL(/\/ui\/runs$/);
    await page.getByRole('link', { name: 'colour check' }).waitFor();
    page.off('request', onRequest);
    expect(listQueries).toEqual(['UiRuns']);
    await check('runs');
  });

  it('starts a run from the form generated from its schema and watches it finish', async () => {
    await page.getByRole('link', { name: 'Start a run' }).click();
    await page.getByLabel('Runner').selectOption('emit');
    await page.getByLabel('Project').fill('vision');
    await check('start');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL(/\/ui\/runs\/[^/]+$/);
    const ended = page.getByRole('log').locator('.log-status', { hasText: 'SUCCEEDED' });
    await ended.waitFor({ timeout: 30_000 });
    // Each event once: the stored ones, then the live ones, without a duplicate.
    const lines = await page.getByRole('log').locator('.log-line').allTextContents();
    expect(new Set(lines).size).toBe(lines.length);
    await page.locator('h1 .status-succeeded').waitFor();
    await page.getByRole('heading', { name: 'Reproduce' }).waitFor();
    await check('run');
    // The back button returns to the form.
    await page.goBack();
    await page.waitForURL(/\/ui\/start/);
  });

  it('starts a workflow and watches its steps finish, with its failed requirement', async () => {
    const photos = tempFolder('evalhub-ui-photos-');
    await t.graphql(RegisterDataset, {
      input: { project: 'vision', name: 'night-photos', task: 'OTHER' },
    });
    const registered = await t.graphql(RegisterDatasetVersion, {
      input: {
        dataset: 'vision/night-photos',
        version: 'v1',
        uri: join(writeTree(photos.path, { 'photos.jsonl': '{"x":1}\n' }), 'photos.jsonl'),
        format: 'JSONL',
      },
    });
    const photosVersion = expectType(
      registered.data.registerDatasetVersion,
      'RegisterDatasetVersionPayload',
    ).datasetVersion.id;
    const { data } = await t.graphql(DefineWorkflow, {
      input: {
        project: 'vision',
        name: 'night-check',
        spec: {
          inputs: [{ name: 'data', kind: 'DATASET_VERSION' }],
          steps: [
            {
              id: 'measure',
              runner: 'emit',
              inputs: { dataset: 'data' },
              config: { metrics: [{ key: 'accuracy', value: 0.7 }] },
            },
            { id: 'summarise', runner: 'emit', dependsOn: ['measure'] },
          ],
          requirements: [{ step: 'measure', metric: 'accuracy', op: '>=', threshold: 0.9 }],
        },
      },
    });
    if (data.defineWorkflow.__typename !== 'DefineWorkflowPayload') throw new Error('not defined');
    const version = data.defineWorkflow.workflowVersion.id;
    await page.goto(`${t.hub.url}/ui/registry`);
    await page.getByRole('link', { name: 'start', exact: true }).click();
    await page.waitForURL(/\/ui\/start\?workflow=/);
    expect(new URL(page.url()).searchParams.get('workflow')).toBe(version);
    await page
      .getByLabel('data (dataset version)')
      .selectOption({ label: 'vision/night-photos@v1' });
    await page.getByLabel('Name (optional)').fill('night photos');
    await page.getByRole('button', { name: 'Start workflow' }).click();
    await page.waitForURL(/\/ui\/runs\/[^/?]+$/);
    await page.getByRole('heading', { name: /^night photos/ }).waitFor();
    const steps = page.getByRole('region', { name: 'Steps' });
    await steps.locator('[data-step="summarise"] .status-succeeded').waitFor({ timeout: 30_000 });
    await steps.locator('[data-step="measure"] .status-succeeded').waitFor();
    await page.getByRole('region', { name: 'Findings' }).getByText('accuracy').first().waitFor();
    await check('workflow-run');
    // The failed requirement's trace shows the path to the dataset its step read.
    await page
      .getByRole('table', { name: 'requirement verdicts' })
      .getByRole('row')
      .filter({ hasText: 'FAIL' })
      .getByRole('link', { name: 'trace' })
      .click();
    await page.waitForURL((url) => url.searchParams.get('to') === photosVersion);
    const path = page.getByRole('list', { name: 'the path' });
    await expect
      .poll(() => path.getByRole('listitem').allTextContents(), { timeout: 30_000 })
      .toEqual([
        expect.stringMatching(/^finding HIGH: Requirement failed: accuracy 0\.7/),
        'run night photos · SUCCEEDED',
        'dataset night-photos@v1',
      ]);
    photos.remove();
  });

  it('shows a run with its metric interval, deep-linked', async () => {
    const { data } = await t.graphql(StartRun, {
      input: { project: 'vision', runner: 'emit', name: 'colour check' },
    });
    expect(data.startRun.__typename).toBe('StartRunPayload');
    await page.goto(`${t.hub.url}/ui/findings`);
    await page.getByRole('link', { name: 'colour check' }).first().click();
    await page.getByRole('cell', { name: '0.7800 – 0.8600 (95%)' }).waitFor();
  });

  it('compares two runs side by side', async () => {
    await page.goto(`${t.hub.url}/ui/runs?runner=emit`);
    const ticks = page.getByRole('checkbox', { name: 'compare colour check' });
    await expect.poll(() => ticks.count()).toBe(2);
    await ticks.nth(0).check();
    await ticks.nth(1).check();
    await page.getByRole('link', { name: 'Compare 2 runs' }).click();
    await page.waitForURL(/\/ui\/compare\?ids=/);
    await page.getByRole('cell', { name: /^accuracy/ }).waitFor();
    await check('compare');
  });

  it('triages a finding with a comment, recorded in the audit log', async () => {
    await page.goto(`${t.hub.url}/ui/findings?severity=HIGH`);
    const form = page.getByRole('form', { name: 'triage Hue drift in night images' });
    await form.getByLabel('Set to').selectOption('CONFIRMED');
    await form.getByLabel('Comment').fill('seen on the test rig too');
    await form.getByRole('button', { name: 'Triage' }).click();
    await form.locator('.status-confirmed').waitFor();
    const rows = await selectRows<{ details: { comment: string } }>(
      t.database.db,
      sql`select details from audit_log where action = 'finding.triage'`,
    );
    expect(rows.map((r) => r.details.comment)).toEqual(['seen on the test rig too']);
    await check('findings');
  });

  it('opens the lineage of a finding and expands a node', async () => {
    await page.goto(`${t.hub.url}/ui/lineage?id=${encodeURIComponent(findingId)}`);
    await page.locator('.react-flow__node').first().waitFor();
    const facts = page.locator('.graph-facts');
    await expect.poll(() => facts.textContent()).toMatch(/\d+ nodes/);
    await page.locator('.react-flow__node', { hasText: 'run colour check' }).first().click();
    await check('lineage');
  });

  it('finds the start of a lineage by its words', async () => {
    await page.goto(`${t.hub.url}/ui/lineage`);
    await page.getByRole('searchbox', { name: 'Find a start' }).fill('hue drift');
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    const matches = page.getByRole('list', { name: 'Matches' });
    await matches.getByRole('button', { name: 'Hue drift in night images' }).click();
    await page.waitForURL((url) => url.searchParams.get('id') === findingId);
    await page
      .locator('.react-flow__node.lineage-start', {
        hasText: /^finding HIGH: Hue drift in night images$/,
      })
      .waitFor();
    // The finding leads back to the run that found it.
    await page.locator('.react-flow__node', { hasText: 'run colour check' }).waitFor();
    expect(await accessibilityProblems()).toEqual([]);
    await page.getByRole('searchbox', { name: 'Find a start' }).fill('no such words anywhere');
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await page.getByText('Nothing matches “no such words anywhere”.').waitFor();
  });

  it('searches with words, facets and a metric predicate', async () => {
    await page.goto(`${t.hub.url}/ui/search`);
    await page.getByLabel('Search for').fill('hue drift');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByRole('region', { name: 'Results' });
    await results.locator('mark').first().waitFor();
    await check('search');
    await page.goto(`${t.hub.url}/ui/search?type=RUN&metric=accuracy&op=GTE&value=0.8`);
    await results.getByRole('link', { name: 'colour check' }).waitFor();
    await expect.poll(() => results.getByRole('listitem').count()).toBe(1);
  });

  it('narrows a search by the project and tag facets', async () => {
    await page.goto(`${t.hub.url}/ui/search?q=colour`);
    const results = page.getByRole('region', { name: 'Results' });
    await results.getByRole('link', { name: 'colour check' }).first().waitFor();
    const projects = page.getByRole('region', { name: 'Project facet' });
    await projects.getByRole('button', { name: 'vision' }).click();
    await page.waitForURL((url) => url.searchParams.get('project') === 'vision');
    await expect
      .poll(() => page.getByLabel('Project', { exact: true }).inputValue(), { timeout: 30_000 })
      .toBe('vision');
    // Only the first run has the tag.
    const tags = page.getByRole('region', { name: 'Tag facet' });
    await tags
      .getByRole('listitem')
      .filter({ hasText: /^nightly 1$/ })
      .waitFor();
    expect(await tags.getByRole('listitem').count()).toBe(1);
    await tags.getByRole('button', { name: 'nightly' }).click();
    await page.waitForURL((url) => url.searchParams.get('tag') === 'nightly');
    await tags.locator('button[aria-pressed="true"]', { hasText: 'nightly' }).waitFor();
    await expect.poll(() => results.getByRole('listitem').count(), { timeout: 30_000 }).toBe(1);
    await results.getByRole('link', { name: 'colour check' }).waitFor();
    await check('search-facets');
  });

  it('shows the registry', async () => {
    await page.goto(`${t.hub.url}/ui/registry`);
    await page.getByRole('heading', { name: /Models \(\d+\)/ }).waitFor();
    await check('registry');
  });

  it('reproduces a run from its page and shows the verdict on the new run', async () => {
    const { data } = await t.graphql(StartRun, {
      input: {
        project: 'vision',
        runner: 'emit',
        name: 'repeatable',
        config: { metrics: [{ key: 'recall', value: 0.5 }] },
      },
    });
    if (data.startRun.__typename !== 'StartRunPayload') throw new Error('not started');
    const id = data.startRun.run.id;
    await waitForStatus(t, id, ['SUCCEEDED']);
    await page.goto(`${t.hub.url}/ui/runs/${id}`);
    await page.getByRole('button', { name: 'Reproduce' }).click();
    await page.waitForURL(
      (url) => /\/ui\/runs\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith(id),
    );
    await page
      .getByRole('region', { name: 'Findings' })
      .getByText('Reproduced: all 1 metrics identical')
      .waitFor({ timeout: 30_000 });
    await check('reproduced-run');
  });
});

describe.skipIf(browserMissing)('the web UI on a hub that requires tokens', () => {
  let t: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestHub({ config: { auth: { mode: 'required', oidc: null } } });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('asks for a token, refuses a wrong one, and keeps a good one for the session', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.hub.url}/ui/registry`);
    await page.waitForURL(/\/ui\/login\?next=/);
    await page.getByLabel('API token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('does not accept').waitFor();
    await page.getByLabel('API token').fill(await adminToken(t.database.db));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/ui\/registry$/);
    await page.getByRole('heading', { name: 'Models (0)' }).waitFor();
    expect(await accessibilityProblemsOf(page)).toEqual([]);
  });
});
