// The T&E report, as a program office reads it: on a real workflow run (profile, evaluation,
// blur sweep, requirements) and a run with hostile strings, through GraphQL and REST, as
// Markdown, HTML in Chromium, and PDF. What a reader relies on is checked against what the
// hub stored: the verdicts, the digests, the numbers, the derivations, the command.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Actor, localOperator } from '../src/resolvers/core/actor.ts';
import { encodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { createApiToken } from '../src/resolvers/identity/tokens.ts';
import { RunnerRegistry } from '../src/runners/registry.ts';
import { graphql } from './gql/index.ts';
import { browserMissing, launchBrowser } from './support/browser.ts';
import { emitRunner } from './support/emit-runner.ts';
import { tempFolder } from './support/files.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { Impact } from './support/lineage-documents.ts';
import { DefineWorkflow, expectType } from './support/registry-documents.ts';
import {
  CancelRun,
  type RunView,
  runDetails,
  StartRun,
  StartWorkflow,
  waitForStatus,
} from './support/run-documents.ts';
import { registerStripes, stripesWorkflowSpec } from './support/stripes.ts';

const RunReport = graphql(`
  query RunReport($id: ID!, $format: ReportFormat!) {
    node(id: $id) { __typename ... on Run { id report(format: $format) reproduceCommand } }
  }
`);

const OneReport = graphql(`
  query OneReport($id: ID!) {
    node(id: $id) { ... on Run { report(format: MARKDOWN) } }
  }
`);

const TwoReports = graphql(`
  query TwoReports($a: ID!, $b: ID!) {
    a: node(id: $a) { ... on Run { report(format: MARKDOWN) } }
    b: node(id: $b) { ... on Run { report(format: MARKDOWN) } }
  }
`);

const StartedBy = graphql(`
  query StartedBy($id: ID!) {
    node(id: $id) { ... on Run { createdBy createdByName } }
  }
`);

const VersionFacts = graphql(`
  query VersionFacts($id: ID!) {
    node(id: $id) {
      __typename
      ... on ModelVersion { version digest }
      ... on DatasetVersion { version digest transform derivedFrom { id } }
    }
  }
`);

/** Text that must reach a reader as text: HTML, quotes, shell syntax. */
const HOSTILE = `It's "quoted" $HOME \`id\` \\ <script>alert(1)</script>"><img src=x onerror=alert(2)>`;

let t: TestHub;
const temp = tempFolder();
let model = { id: '', digest: '' };
let dataset = { id: '', digest: '' };
let workflow: RunView;
let workflowDigest = '';
let hostile: RunView;
/** Requests the hostile SVG might make; none must arrive. */
let beacon: { server: Server; url: string; hits: string[] };

async function versionFacts(id: string) {
  const { data } = await t.graphql(VersionFacts, { id });
  if (data.node?.__typename !== 'ModelVersion' && data.node?.__typename !== 'DatasetVersion')
    throw new Error(`no version ${id}`);
  return data.node;
}

async function report(id: string, format: 'MARKDOWN' | 'HTML', as?: Actor) {
  const response = await t.graphql(RunReport, { id, format }, { as });
  const node = response.data.node;
  return {
    ...response,
    run: node?.__typename === 'Run' ? node : null,
  };
}

beforeAll(async () => {
  t = await startTestHub({ runners: [emitRunner] });
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  beacon = { server, hits, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };

  const ids = await registerStripes(t, temp.path, 'vision');
  model = { id: ids.modelVersion, digest: (await versionFacts(ids.modelVersion)).digest };
  dataset = { id: ids.datasetVersion, digest: (await versionFacts(ids.datasetVersion)).digest };

  const defined = await t.graphql(DefineWorkflow, {
    input: { project: 'vision', name: 'acceptance', spec: stripesWorkflowSpec },
  });
  const version = expectType(defined.data.defineWorkflow, 'DefineWorkflowPayload').workflowVersion;
  workflowDigest = version.digest;
  const started = await t.graphql(StartWorkflow, {
    input: {
      workflowVersion: version.id,
      inputs: [
        { role: 'model', version: model.id },
        { role: 'data', version: dataset.id },
      ],
      seed: 7,
      name: HOSTILE,
    },
  });
  const { run } = expectType(started.data.startWorkflow, 'RunPayload');

  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" onload="fetch('${beacon.url}/onload')">` +
    `<script>fetch('${beacon.url}/script')</script>` +
    `<image href="${beacon.url}/image" width="10" height="10"/>` +
    `<foreignObject width="10" height="10"><iframe xmlns="http://www.w3.org/1999/xhtml" src="${beacon.url}/iframe"></iframe></foreignObject>` +
    '<rect x="20" y="10" width="80" height="40" fill="#0072B2"/></svg>';
  const emitted = await t.graphql(StartRun, {
    input: {
      project: 'vision',
      runner: 'emit',
      name: HOSTILE,
      inputs: [
        { role: 'model', version: model.id },
        { role: 'dataset', version: dataset.id },
      ],
      config: {
        metrics: [{ key: 'score', value: 0.123456, ci: { lower: 0.1, upper: 0.15, level: 0.95 } }],
        findings: [{ kind: 'ODD', severity: 'HIGH', title: HOSTILE, summary: HOSTILE }],
        artifacts: [{ name: 'chart.svg', mediaType: 'image/svg+xml', text: svg, json: null }],
      },
      seed: 11,
    },
  });
  const single = expectType(emitted.data.startRun, 'StartRunPayload').run;
  workflow = await waitForStatus(t, run.id, ['SUCCEEDED', 'FAILED'], 120_000);
  expect(workflow.status).toBe('SUCCEEDED');
  hostile = await waitForStatus(t, single.id, ['SUCCEEDED', 'FAILED']);
  expect(hostile.status).toBe('SUCCEEDED');
}, 180_000);

afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => beacon?.server.close(resolve));
  temp.remove();
});

/** A Markdown table's rows (after its header and alignment lines), as the text of each cell. */
function markdownTable(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  expect(start, `no ${heading} in the report`).toBeGreaterThanOrEqual(0);
  const lines = markdown.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, i) => i > first && !line.startsWith('|'));
  return lines.slice(first + 2, end).map((line) =>
    line
      .slice(2, -2)
      .split(/ (?<!\\)\| /)
      .map((cell) =>
        cell
          .trim()
          .replace(/^(`+) ?(.*?) ?\1$/, '$2')
          .replace(/^\*\*(.*)\*\*$/, '$1')
          .replace(/\\(.)/g, '$1'),
      ),
  );
}

/** The words of a command, as bash reads them: `evalhub` is a function that prints them. */
async function shellWords(command: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('bash', [
    '-c',
    `evalhub() { printf '%s\\0' "$@"; }\n${command}`,
  ]);
  return stdout.split('\0').slice(0, -1);
}

/** The run, inputs, config and seed a reproduce command names. */
function parseCommand(words: string[]) {
  expect(words.slice(0, 1)).toEqual(['run']);
  const parsed = {
    target: words[1]!,
    inputs: [] as Array<{ role: string; version: string }>,
    config: undefined as unknown,
    seed: undefined as number | undefined,
    project: undefined as string | undefined,
  };
  for (let i = 2; i < words.length; i += 2) {
    const [flag, value] = [words[i]!, words[i + 1]!];
    if (flag === '--input') {
      const at = value.indexOf('=');
      parsed.inputs.push({ role: value.slice(0, at), version: value.slice(at + 1) });
    } else if (flag === '--config') parsed.config = JSON.parse(value);
    else if (flag === '--seed') parsed.seed = Number(value);
    else if (flag === '--project') parsed.project = value;
    else throw new Error(`unexpected ${flag}`);
  }
  return parsed;
}

/** The printed number stands for the stored one: equal to its 4 significant digits. */
function expectPrinted(printed: string, stored: number) {
  expect(Number(printed)).toBe(Number.isInteger(stored) ? stored : Number(stored.toPrecision(4)));
}

function expectPrintedInterval(printed: string, ci: { lower: number; upper: number } | null) {
  if (!ci) return expect(printed).toBe('–');
  const [lower, upper] = printed.replace(/^\[|\]$/g, '').split(', ');
  expectPrinted(lower!, ci.lower);
  expectPrinted(upper!, ci.upper);
}

describe('the report of a workflow run', () => {
  it('gives each requirement the verdict, value and interval the hub recorded', async () => {
    const { run } = await report(workflow.id, 'MARKDOWN');
    const rows = markdownTable(run!.report, '## Verdict');
    const recorded = workflow.findings.filter((f) => f.kind.startsWith('REQUIREMENT_'));
    expect(rows).toHaveLength(recorded.length);
    for (const finding of recorded) {
      const evidence = finding.evidence as {
        step: string;
        value: number;
        ci: { lower: number; upper: number } | null;
        certain: boolean | null;
      };
      const row = rows.find((r) => r[1] === evidence.step);
      expect(row, `no verdict for step ${evidence.step}`).toBeDefined();
      const [, , , value, interval, , result, oneSide] = row!;
      expectPrinted(value!, evidence.value);
      expectPrintedInterval(interval!, evidence.ci);
      expect(result).toBe(finding.kind === 'REQUIREMENT_PASSED' ? 'PASS' : 'FAIL');
      expect(oneSide).toBe(
        evidence.certain === true
          ? 'yes'
          : evidence.certain === false
            ? 'no: it crosses the threshold'
            : 'no interval',
      );
    }
    // The blur requirement fails at sigma 1, as the finding says.
    expect(rows.find((r) => r[1] === 'robustness')).toEqual(
      expect.arrayContaining(['gaussian-blur at severity 1', '0.5', 'FAIL', 'CRITICAL']),
    );
    expect(run!.report).toContain('- **Requirements:** **1 FAILED** 2 of 3 met');
  });

  it('names the model and dataset versions by the digests they were registered with', async () => {
    const { run } = await report(workflow.id, 'MARKDOWN');
    const inputs = markdownTable(run!.report, '### Inputs');
    expect(inputs.map((row) => row.slice(0, 4))).toEqual([
      ['data', 'dataset', 'vision/stripes@clean', dataset.digest],
      ['model', 'model', 'vision/stripes@v1', model.digest],
    ]);
    expect(run!.report).toContain(workflowDigest);
    // What the model takes and gives, as the hub read it from the ONNX file.
    expect(run!.report).toContain(
      '- `vision/stripes@v1` takes `pixels: float32 [N, 3, 16, 16]` and gives `scores: float32 [N, 2]`',
    );
  });

  it('prints the stored metrics of each step, with their intervals', async () => {
    const { run } = await report(workflow.id, 'MARKDOWN');
    const evaluate = await runDetails(
      t,
      workflow.children.find((c) => c.stepId === 'evaluate')!.id,
    );
    const headline = markdownTable(run!.report, '### Step evaluate');
    const whole = evaluate.metrics.filter((m) => !Object.keys(m.slice as object).length);
    expect(headline.map((row) => row[0]).sort()).toEqual(whole.map((m) => m.key).sort());
    for (const metric of whole) {
      const [, value, interval, n] = headline.find((row) => row[0] === metric.key)!;
      expectPrinted(value!, metric.value);
      expectPrintedInterval(
        interval!,
        metric.ciLower === null ? null : { lower: metric.ciLower, upper: metric.ciUpper! },
      );
      expect(n).toBe(String(metric.sampleSize));
    }
    // The confusion matrix: every image of each class predicted right.
    expect(markdownTable(run!.report, '## Confusion matrix')).toEqual([
      ['plain', '3', '0'],
      ['striped', '0', '3'],
    ]);
    // The blur curve, as the robustness step stored it.
    const curve = markdownTable(run!.report, 'under gaussian-blur');
    expect(curve.map((row) => row.slice(0, 2))).toEqual([
      ['0.5', '1'],
      ['1', '0.5'],
      ['4', '0.5'],
    ]);
  });

  it('traces each perturbed dataset back to the clean one it was derived from', async () => {
    const { run } = await report(workflow.id, 'MARKDOWN');
    const { data } = await t.graphql(Impact, { id: dataset.id });
    const derived = data.impact!.datasetVersions;
    expect(derived).toHaveLength(3);
    const made = run!.report.slice(run!.report.indexOf('### Versions the run made'));
    for (const version of derived) {
      const facts = await versionFacts(version.id);
      const line = made.split('\n').find((l) => l.includes(`vision/stripes@${version.version}\``));
      expect(line, `no line for ${version.version}`).toBeDefined();
      expect(line).toContain(facts.digest);
      expect(line).toContain(`derived from \`vision/stripes@clean\` (\`${dataset.digest}\`)`);
      expect(line).toContain('"name":"gaussian-blur"');
    }
  });

  it('prints the command that starts the same workflow on the same inputs and seed', async () => {
    const { run } = await report(workflow.id, 'MARKDOWN');
    expect(run!.report).toContain(run!.reproduceCommand);
    const command = parseCommand(await shellWords(run!.reproduceCommand));
    expect(command).toEqual({
      target: `vision/acceptance@${workflowDigest}`,
      inputs: [
        { role: 'data', version: `vision/stripes@${dataset.digest}` },
        { role: 'model', version: `vision/stripes@${model.digest}` },
      ],
      config: undefined,
      seed: 7,
      project: undefined,
    });
    // Started again from it (the CLI resolves the workflow version), it is the same work.
    const version = expectType(
      (
        await t.graphql(DefineWorkflow, {
          input: { project: 'vision', name: 'acceptance', spec: stripesWorkflowSpec },
        })
      ).data.defineWorkflow,
      'DefineWorkflowPayload',
    ).workflowVersion;
    expect(version.digest).toBe(workflowDigest);
    const again = await t.graphql(StartWorkflow, {
      input: { workflowVersion: version.id, inputs: command.inputs, seed: command.seed },
    });
    const rerun = expectType(again.data.startWorkflow, 'RunPayload').run;
    expect((await runDetails(t, rerun.id)).runKey).toBe(workflow.runKey);
    await t.graphql(CancelRun, { id: rerun.id });
  });

  it('costs the same few statements for one report or two', async () => {
    const one = await t.graphql(OneReport, { id: workflow.id });
    const two = await t.graphql(TwoReports, { a: workflow.id, b: hostile.id });
    expect(two.data.a).toMatchObject({ report: expect.stringContaining('## Verdict') });
    expect(two.data.b).toMatchObject({ report: expect.stringContaining('## Findings') });
    // The runs (node), then the report's snapshot: its settings, the runs and steps, the
    // versions, metrics, findings, artifacts, the audit chain's anchor and one page of its
    // records, one page of run.end records and the rows they seal (runs, inputs, outputs,
    // metrics, findings, artifacts), the command, then the derivations and audit records.
    expect(one.statements).toHaveLength(19);
    expect(two.statements).toHaveLength(one.statements.length);
  });
});

describe('the report of a single run', () => {
  it('prints a command that starts a run with the same run key', async () => {
    const evaluate = await runDetails(
      t,
      workflow.children.find((c) => c.stepId === 'evaluate')!.id,
    );
    for (const run of [hostile, evaluate]) {
      const { run: reported } = await report(run.id, 'MARKDOWN');
      const command = parseCommand(await shellWords(reported!.reproduceCommand));
      expect(command.config).toEqual(run.config);
      expect(command.seed).toBe(run.seed);
      expect(command.inputs).toEqual([
        { role: 'dataset', version: `vision/stripes@${dataset.digest}` },
        { role: 'model', version: `vision/stripes@${model.digest}` },
      ]);
      const started = await t.graphql(StartRun, {
        input: {
          runner: command.target,
          project: command.project!,
          inputs: command.inputs,
          config: command.config,
          seed: command.seed,
        },
      });
      const again = expectType(started.data.startRun, 'StartRunPayload').run;
      expect(again.runKey).toBe(run.runKey);
      // Let it end here: its end is an audit record, which later reports count.
      await waitForStatus(t, again.id, ['SUCCEEDED', 'FAILED']);
    }
  });

  it('keeps what a user or runner wrote as text in Markdown', async () => {
    const { run } = await report(hostile.id, 'MARKDOWN');
    const markdown = run!.report;
    // Outside code, which Markdown shows as it is, no angle bracket is left unescaped.
    const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/(`+).*?\1/g, '');
    expect(prose).not.toMatch(/(?<!\\)[<>]/);
    const findings = markdownTable(markdown, '## Findings');
    expect(findings[0]).toEqual(['HIGH', 'ODD', 'emit', '–', HOSTILE, 'OPEN']);
  });
  it('leaves out the versions a reader may not see', async () => {
    const started = await t.graphql(StartRun, {
      input: {
        project: 'ops',
        runner: 'emit',
        inputs: [{ role: 'dataset', version: dataset.id }],
        config: { findings: [{ kind: 'NOTE', severity: 'LOW', title: 'noted' }] },
      },
    });
    const { run } = expectType(started.data.startRun, 'StartRunPayload');
    await waitForStatus(t, run.id, ['SUCCEEDED']);
    const reader = memberOf('test:ops', ['ops'], 'viewer');
    const { run: reported } = await report(run.id, 'MARKDOWN', reader);
    expect(reported!.report).toContain('a version in a project you may not see');
    expect(reported!.report).not.toContain(dataset.digest);
    expect(reported!.report).not.toContain('vision/stripes');
    expect(reported!.reproduceCommand).toContain("--input 'dataset=<a version you may not see>'");
  });

  it("names who started the run by their token's owner and name, with the token's id", async () => {
    const ctx = { db: t.database.db, actor: localOperator('ops'), runners: new RunnerRegistry([]) };
    const { token } = await createApiToken(ctx, {
      name: 'nightly',
      owner: 'alice',
      project: 'vision',
      role: 'contributor',
    });
    const holder: Actor = {
      id: `token:${token.id}`,
      kind: 'token',
      name: 'alice (nightly)',
      admin: false,
      roles: { vision: 'contributor' },
    };
    const started = await t.graphql(
      StartRun,
      { input: { project: 'vision', runner: 'emit', inputs: [], config: {} } },
      { as: holder },
    );
    const { run } = expectType(started.data.startRun, 'StartRunPayload');
    await waitForStatus(t, run.id, ['SUCCEEDED']);
    const { data } = await t.graphql(StartedBy, { id: run.id });
    expect(data.node).toEqual({ createdBy: holder.id, createdByName: 'alice (nightly)' });
    const markdown = (await report(run.id, 'MARKDOWN')).run!.report;
    expect(markdown).toMatch(/Started by\W+alice \(nightly\)/);
    // Unnamed, it goes by what it ran.
    expect(markdown).toContain('- **Run:** emit\n');
    const audit = markdownTable(markdown, '## Audit trail');
    expect(audit.find((row) => row[3] === 'run.start')?.[2]).toBe(
      `alice (nightly) \`${holder.id}\``,
    );
  });
});

describe('the report over REST', () => {
  const get = (path: string, as?: Actor) =>
    fetch(`${t.hub.url}${path}`, {
      headers: as ? { 'x-test-actor': JSON.stringify(as) } : {},
    });

  it('serves Markdown and HTML with their types, a file name and a strict policy', async () => {
    const markdown = await get(`/api/v1/runs/${workflow.id}/report?format=md`);
    expect(markdown.status).toBe(200);
    expect(markdown.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(markdown.headers.get('content-disposition')).toMatch(
      /^attachment; filename="report-[0-9a-f-]{36}\.md"$/,
    );
    const text = await markdown.text();
    // The same report, but for the moments it was made and its chain verified.
    const timeless = (report: string) =>
      report.replace(/Generated by evalhub at .*/, '').replace(/\(verified [^)]*\)/, '');
    expect(timeless(text)).toBe(timeless((await report(workflow.id, 'MARKDOWN')).run!.report));
    const html = await get(`/api/v1/runs/${workflow.id}/report?format=html`);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    );
    expect(html.headers.get('content-disposition')).toMatch(/^inline; filename=".*\.html"$/);
    expect((await get(`/api/v1/runs/${workflow.id}/report?format=doc`)).status).toBe(400);
  });

  it('is a 404 for a run the caller may not see, as for one that does not exist', async () => {
    const stranger = memberOf('test:stranger', ['elsewhere'], 'viewer');
    const hidden = await get(`/api/v1/runs/${workflow.id}/report?format=md`, stranger);
    const nobody = encodeGlobalId('Run', '00000000-0000-4000-8000-000000000000');
    const absent = await get(`/api/v1/runs/${nobody}/report`);
    expect(hidden.status).toBe(404);
    expect(absent.status).toBe(404);
    expect(await hidden.json()).toEqual(await absent.json());
    const viaGraphql = await report(workflow.id, 'MARKDOWN', stranger);
    expect(viaGraphql.data.node).toBeNull();
    expect(viaGraphql.errors).toBeUndefined();
  });

  it.skipIf(browserMissing)(
    'prints a PDF',
    async () => {
      const response = await get(`/api/v1/runs/${workflow.id}/report?format=pdf`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      // Several pages of tables and a chart.
      expect(bytes.length).toBeGreaterThan(20_000);
    },
    60_000,
  );

  it('kills the PDF print of a request whose client goes away', async () => {
    const pids = join(temp.path, 'abandoned-print');
    const chromium = join(temp.path, 'hanging-chromium');
    writeFileSync(chromium, `#!/bin/sh\nsleep 300 &\necho "$! $$" > ${pids}\nsleep 300\n`, {
      mode: 0o755,
    });
    const hub = await startTestHub({ config: { chromium, pdfTimeoutMs: 300_000, workers: 0 } });
    try {
      const started = await hub.graphql(StartRun, {
        input: { project: 'p', runner: 'event-generator', config: { events: 1 } },
      });
      const { run } = expectType(started.data.startRun, 'StartRunPayload');
      const client = new AbortController();
      const asked = fetch(`${hub.hub.url}/api/v1/runs/${run.id}/report?format=pdf`, {
        signal: client.signal,
      }).catch((error: Error) => error);
      await vi.waitFor(() => expect(readFileSync(pids, 'utf8')).toMatch(/\n$/), {
        timeout: 30_000,
        interval: 50,
      });
      client.abort();
      expect(await asked).toBeInstanceOf(Error);
      const [helper, browser] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
      // Both are gone: signal 0 to a process that does not exist throws.
      await vi.waitFor(
        () => {
          expect(() => process.kill(helper!, 0)).toThrow();
          expect(() => process.kill(browser!, 0)).toThrow();
        },
        { timeout: 30_000, interval: 50 },
      );
    } finally {
      await hub.close();
    }
  });

  it('says so when the hub has no Chromium to print with', async () => {
    const bare = await startTestHub({ config: { chromium: null, workers: 0 } });
    try {
      const started = await bare.graphql(StartRun, {
        input: { project: 'p', runner: 'event-generator', config: { events: 1 } },
      });
      const { run } = expectType(started.data.startRun, 'StartRunPayload');
      const response = await fetch(`${bare.hub.url}/api/v1/runs/${run.id}/report?format=pdf`);
      expect(response.status).toBe(501);
      expect(((await response.json()) as { error: string }).error).toMatch(/no Chromium/);
      // The other formats need none.
      const html = await fetch(`${bare.hub.url}/api/v1/runs/${run.id}/report?format=html`);
      expect(html.status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe.skipIf(browserMissing)('the HTML report in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens the report; the requests the page made, and the dialogs it opened. */
  async function open(runId: string) {
    const page = await browser.newPage();
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const url = `${t.hub.url}/api/v1/runs/${runId}/report?format=html`;
    await page.goto(url, { waitUntil: 'networkidle' });
    return { page, url, requests, dialogs };
  }

  it('renders the verdict table and loads nothing but itself', async () => {
    const { page, url, requests, dialogs } = await open(workflow.id);
    await expect(page.locator('#verdict table').isVisible()).resolves.toBe(true);
    const verdicts = await page.locator('#verdict tbody tr td:nth-child(7)').allTextContents();
    expect(verdicts.sort()).toEqual(['FAIL', 'PASS', 'PASS']);
    expect(await page.locator('h1').textContent()).toBe(`T&E report: ${HOSTILE}`);
    expect(await page.locator('script, img[src="x"], iframe').count()).toBe(0);
    // The robustness chart, embedded.
    const chart = page.locator('#robustness figure img');
    expect(
      await chart.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(0);
    expect(requests).toEqual([url]);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('shows hostile names, titles and charts as inert text and pictures', async () => {
    const { page, url, requests, dialogs } = await open(hostile.id);
    expect(await page.locator('h1').textContent()).toBe(`T&E report: ${HOSTILE}`);
    expect(await page.locator('#findings tbody td:nth-child(5)').first().textContent()).toBe(
      HOSTILE,
    );
    expect(await page.locator('script, img[src="x"], iframe, foreignObject').count()).toBe(0);
    const chart = page.locator('figure img');
    expect(
      await chart.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBe(120);
    expect(requests).toEqual([url]);
    expect(dialogs).toEqual([]);
    expect(beacon.hits).toEqual([]);
    await page.close();
  });
});
