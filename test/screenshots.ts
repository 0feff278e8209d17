// The README's screenshots of the web UI (docs/ui/*.png), made by `npm run screenshots`: a
// hub on a free port with its own database (PGlite, or DATABASE_URL's server) gets the README's
// workflow run on a real ONNX model and image folder (test/support/stripes.ts), then Chromium
// opens each main page and the screenshot is written as a small palette PNG.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { launchBrowser } from './support/browser.ts';
import { tempFolder } from './support/files.ts';
import { startTestHub } from './support/hub.ts';
import { DefineWorkflow, expectType } from './support/registry-documents.ts';
import { StartRun, StartWorkflow, waitForStatus } from './support/run-documents.ts';
import { registerStripes, stripesWorkflowSpec } from './support/stripes.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'ui');
const VIEWPORT = { width: 1280, height: 800 };
/** How long a run may take on a busy machine. */
const RUN_PATIENCE_MS = 300_000;

const files = tempFolder('evalhub-screenshots-');
const t = await startTestHub({ config: { actorName: 'alice' } });
const browser = await launchBrowser();
try {
  const stripes = await registerStripes(t, files.path, 'vision');
  const defined = await t.graphql(DefineWorkflow, {
    input: { project: 'vision', name: 'acceptance', spec: stripesWorkflowSpec },
  });
  const workflowVersion = expectType(defined.data.defineWorkflow, 'DefineWorkflowPayload')
    .workflowVersion.id;
  const started = await t.graphql(StartWorkflow, {
    input: {
      workflowVersion,
      name: 'stripes acceptance',
      inputs: [
        { role: 'model', version: stripes.modelVersion },
        { role: 'data', version: stripes.datasetVersion },
      ],
      seed: 7,
    },
  });
  const workflowRun = expectType(started.data.startWorkflow, 'RunPayload').run.id;
  const single = await t.graphql(StartRun, {
    input: {
      project: 'vision',
      runner: 'evaluate-classification',
      name: 'stripes on clean images',
      inputs: [
        { role: 'model', version: stripes.modelVersion },
        { role: 'dataset', version: stripes.datasetVersion },
      ],
      config: { bootstrapResamples: 200 },
      seed: 7,
    },
  });
  const singleRun = expectType(single.data.startRun, 'StartRunPayload').run.id;
  const done = await waitForStatus(t, workflowRun, ['SUCCEEDED', 'FAILED'], RUN_PATIENCE_MS);
  await waitForStatus(t, singleRun, ['SUCCEEDED', 'FAILED'], RUN_PATIENCE_MS);
  const failed = done.findings.find((finding) => finding.kind === 'REQUIREMENT_FAILED');
  if (!failed) throw new Error(`the workflow run has no failed requirement: ${done.status}`);

  const page = await browser.newPage({ viewport: VIEWPORT });
  const shoot = async (name: string, path: string, ready: (page: Page) => Promise<unknown>) => {
    await page.goto(`${t.hub.url}${path}`);
    await ready(page);
    // Fonts and the last layout settled: two frames after the page's condition holds.
    await page.evaluate(
      'new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))',
    );
    const png = await page.screenshot();
    const file = join(OUT, `${name}.png`);
    await sharp(png).png({ palette: true, colours: 128, effort: 10 }).toFile(file);
    console.log(`wrote ${file}`);
  };

  mkdirSync(OUT, { recursive: true });
  await shoot('runs', '/ui/runs', (p) =>
    p.getByRole('link', { name: 'stripes on clean images' }).waitFor(),
  );
  await shoot('workflow-run', `/ui/runs/${workflowRun}`, async (p) => {
    const steps = p.getByRole('region', { name: 'Steps' });
    await steps.locator('[data-step="robustness"] .status-succeeded').waitFor();
    await steps.locator('.react-flow__node', { hasText: 'robustness' }).waitFor();
  });
  // The results, below the run's facts and event log.
  await shoot('run', `/ui/runs/${singleRun}`, async (p) => {
    await p
      .getByText(/\(95%\)/)
      .first()
      .waitFor();
    await p.getByRole('heading', { name: 'Metrics' }).evaluate((h) => h.scrollIntoView());
  });
  await shoot('findings', '/ui/findings', (p) =>
    p
      .getByRole('form', { name: /^triage / })
      .first()
      .waitFor(),
  );
  await shoot(
    'lineage',
    `/ui/lineage?id=${encodeURIComponent(failed.id)}&to=${encodeURIComponent(stripes.datasetVersion)}`,
    (p) => p.locator('.graph-facts', { hasText: /\d+ nodes/ }).waitFor(),
  );
  await shoot('search', '/ui/search?q=accuracy', (p) =>
    p.getByRole('region', { name: 'Results' }).locator('mark').first().waitFor(),
  );
  await shoot('registry', '/ui/registry', (p) =>
    p.getByRole('heading', { name: /Models \(\d+\)/ }).waitFor(),
  );
} finally {
  await browser.close();
  await t.close();
  files.remove();
}
