// Signed evaluation evidence: every ended run gets an in-toto statement in a DSSE envelope,
// signed with the hub's Ed25519 key (published at /api/v1/keys); a run's or finding's
// provenance bundle is checked offline by `evalhub verify`, and one byte changed anywhere
// in it (a metric value, a digest, a signature, an audit record) is found and named. Runs
// imported from OpenLineage or checkmaite are sealed and attested too, as reported rather
// than executed; a run's links (the run it reproduces...) are sealed with the rest.
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyFile } from '../src/cli/verify-bundle.ts';
import type { Database } from '../src/db/connect.ts';
import { auditLog } from '../src/db/schema.ts';
import { localOperator } from '../src/resolvers/core/actor.ts';
import { decodeGlobalId, encodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { openSigningKey } from '../src/resolvers/evidence/key-store.ts';
import { resolveSigningKey, SIGNING_KEY_FILE } from '../src/resolvers/evidence/signing-key.ts';
import { importCheckmaiteRun } from '../src/resolvers/interop/checkmaite/import.ts';
import { provenanceBundle } from '../src/resolvers/provenance/bundle.ts';
import type { ProvenanceBundle } from '../src/resolvers/provenance/format.ts';
import { verifyBundle } from '../src/resolvers/provenance/verify.ts';
import { verifyAuditRecord } from '../src/resolvers/runs/audit-verify.ts';
import { RunnerRegistry } from '../src/runners/registry.ts';
import { graphql } from './gql/index.ts';
import { type CliResult, runEvalhub } from './support/cli.ts';
import { TEST_AUDIT_KEY } from './support/database.ts';
import { emitRunner } from './support/emit-runner.ts';
import { coreutilsFileDigest, tempFolder } from './support/files.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { onnxBytes } from './support/onnx-models.ts';
import {
  DefineWorkflow,
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
  RegisterModel,
  RegisterModelVersion,
} from './support/registry-documents.ts';
import { runDetails, StartRun, StartWorkflow, waitForStatus } from './support/run-documents.ts';

const Attestation = graphql(`
  query Attestation($id: ID!) {
    node(id: $id) {
      ... on Run { id status attestation { keyId statementDigest envelope statement createdAt } }
    }
  }
`);

const Bundle = graphql(`
  query Bundle($id: ID!) {
    provenanceBundle(id: $id)
  }
`);

/** JSON read and changed freely: statements, and bundles a test tampers with. */
// biome-ignore lint/suspicious/noExplicitAny: any field of a JSON document, at any depth
type Loose = Record<string, any>;

interface Statement {
  _type: string;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: string;
  predicate: Loose;
}

let t: TestHub;
const files = tempFolder();
let datasetPath: string;
let datasetDigest: string;
let datasetVersionId: string;
let workflowRunId: string;
let stepRunId: string;
let failedFindingId: string;

beforeAll(async () => {
  t = await startTestHub({ runners: [emitRunner] });
  datasetPath = join(files.path, 'holdout.csv');
  writeFileSync(datasetPath, 'text,label\nhello,a\nworld,b\n');
  await t.graphql(RegisterDataset, {
    input: { project: 'audit', name: 'holdout', task: 'TABULAR_CLASSIFICATION' },
  });
  const registered = await t.graphql(RegisterDatasetVersion, {
    input: { dataset: 'audit/holdout', version: 'v1', uri: datasetPath, format: 'CSV' },
  });
  const version = expectType(
    registered.data.registerDatasetVersion,
    'RegisterDatasetVersionPayload',
  ).datasetVersion;
  datasetDigest = version.digest;
  datasetVersionId = version.id;
  const defined = await t.graphql(DefineWorkflow, {
    input: {
      project: 'audit',
      name: 'recall-check',
      spec: {
        inputs: [{ name: 'data', kind: 'DATASET_VERSION' }],
        steps: [
          {
            id: 'evaluate',
            runner: 'emit',
            inputs: { dataset: 'data' },
            config: {
              metrics: [{ key: 'recall', value: 0.62 }],
              artifacts: [{ name: 'confusion.json', json: { tp: 62, fn: 38 } }],
              outputs: [{ name: 'relabelled', content: 'hello,b\n' }],
            },
          },
        ],
        requirements: [{ step: 'evaluate', metric: 'recall', op: '>=', threshold: 0.7 }],
      },
    },
  });
  const workflowVersion = expectType(
    defined.data.defineWorkflow,
    'DefineWorkflowPayload',
  ).workflowVersion;
  const started = await t.graphql(StartWorkflow, {
    input: {
      workflowVersion: workflowVersion.id,
      seed: 7,
      inputs: [{ role: 'data', version: version.id }],
    },
  });
  workflowRunId = expectType(started.data.startWorkflow, 'RunPayload').run.id;
  const done = await waitForStatus(t, workflowRunId, ['SUCCEEDED', 'FAILED']);
  stepRunId = done.children[0]!.id;
  failedFindingId = done.findings.find((f) => f.kind === 'REQUIREMENT_FAILED')!.id;
});

afterAll(async () => {
  await t?.close();
  files.remove();
});

async function attestationOf(runId: string) {
  const { data } = await t.graphql(Attestation, { id: runId });
  const attestation = (data.node as Loose).attestation;
  expect(attestation).not.toBeNull();
  return attestation as {
    keyId: string;
    statementDigest: string;
    envelope: {
      payload: string;
      payloadType: string;
      signatures: { keyid: string; sig: string }[];
    };
    statement: Statement;
  };
}

async function publicKeys(): Promise<Array<{ keyId: string; publicKey: string }>> {
  // No token, no actor: public keys are for anyone checking the evidence.
  const response = await fetch(`${t.hub.url}/api/v1/keys`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { keys: Array<{ keyId: string; publicKey: string }> }).keys;
}

/** The DSSE pre-authentication encoding, written from the spec independently of the hub's. */
function pae(type: string, body: Buffer) {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `),
    body,
  ]);
}

describe('run attestations', () => {
  it('signs a statement about each ended run, which verifies with the published key', async () => {
    const [key] = await publicKeys();
    const spki = createPublicKey(key!.publicKey).export({ type: 'spki', format: 'der' });
    expect(key!.keyId).toBe(createHash('sha256').update(spki).digest('hex'));
    for (const runId of [stepRunId, workflowRunId]) {
      const attestation = await attestationOf(runId);
      const { envelope } = attestation;
      expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
      expect(envelope.signatures).toEqual([{ keyid: key!.keyId, sig: expect.any(String) }]);
      const payload = Buffer.from(envelope.payload, 'base64');
      expect(attestation.statementDigest).toBe(
        `sha256:${createHash('sha256').update(payload).digest('hex')}`,
      );
      const signed = pae(envelope.payloadType, payload);
      const sig = Buffer.from(envelope.signatures[0]!.sig, 'base64');
      expect(verify(null, signed, createPublicKey(key!.publicKey), sig)).toBe(true);
      signed.writeUInt8(signed.readUInt8(signed.length - 2) ^ 1, signed.length - 2);
      expect(verify(null, signed, createPublicKey(key!.publicKey), sig)).toBe(false);
    }
  });

  it("names the step's outputs by digest and records what it took and how it ran", async () => {
    const { statement } = await attestationOf(stepRunId);
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.predicateType).toBe('urn:evalhub:predicate:run:v1');
    const details = await runDetails(t, stepRunId);
    const confusion = details.artifacts.find((a) => a.name === 'confusion.json')!.digest;
    expect(statement.subject.map((s) => s.name)).toEqual([
      'metrics.json',
      'findings.json',
      'artifact/confusion.json',
      'output/relabelled',
    ]);
    expect(`sha256:${statement.subject[2]!.digest.sha256}`).toBe(confusion);
    // The dataset it made, hashed by the hub as it stored it.
    expect(statement.predicate.outputs).toEqual([
      expect.objectContaining({
        name: 'relabelled',
        kind: 'DatasetVersion',
        digest: statement.subject[3]!.digest,
      }),
    ]);
    // The metrics.json subject is the digest of the metrics as the hub keeps them.
    expect(details.metrics.map((m) => [m.key, m.value])).toEqual([['recall', 0.62]]);
    const { predicate } = statement;
    expect(predicate.runner).toEqual({ id: 'emit', version: '1.0.0' });
    expect(predicate.run).toMatchObject({ id: stepRunId, project: 'audit', status: 'SUCCEEDED' });
    expect(predicate.config.metrics).toEqual([{ key: 'recall', value: 0.62, step: 0 }]);
    expect(typeof predicate.seed).toBe('number');
    expect(predicate.inputs).toEqual([
      expect.objectContaining({
        role: 'dataset',
        kind: 'DatasetVersion',
        uri: `file://${datasetPath}`,
        digest: { sha256: datasetDigest.slice('sha256:'.length) },
      }),
    ]);
    expect(predicate.environment).toMatchObject({ runner: expect.anything() });
    expect(predicate.workflow).toMatchObject({ parentRun: workflowRunId, step: 'evaluate' });
    expect(predicate.sealedBy).toEqual({
      auditRecord: expect.any(Number),
      hash: expect.any(String),
    });
  });

  it("records the workflow's requirements with their verdicts", async () => {
    const { statement } = await attestationOf(workflowRunId);
    expect(statement.predicate.workflow.version.digest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(statement.predicate.workflow.requirements).toEqual([
      {
        requirement: expect.objectContaining({ metric: 'recall', op: '>=', threshold: 0.7 }),
        verdict: 'REQUIREMENT_FAILED',
        finding: failedFindingId,
      },
    ]);
  });

  it("keeps attestations, published keys and finished runs' outputs from being changed or removed", async () => {
    const { db } = t.database;
    await expect(db.execute(sql`update run_attestations set key_id = key_id`)).rejects.toThrow();
    await expect(db.execute(sql`delete from run_attestations`)).rejects.toThrow();
    await expect(db.execute(sql`delete from signing_keys`)).rejects.toThrow();
    // Nor the versions a finished run made, which its seal covers.
    await expect(db.execute(sql`delete from run_outputs`)).rejects.toThrow();
  });
});

describe('what a caller may not see', () => {
  it('withholds a statement naming an input in a hidden project, whole', async () => {
    const secret = join(files.path, 'secret.csv');
    writeFileSync(secret, 'text,label\nclassified,a\n');
    await t.graphql(RegisterDataset, {
      input: { project: 'secret', name: 'vault', task: 'TABULAR_CLASSIFICATION' },
    });
    const registered = await t.graphql(RegisterDatasetVersion, {
      input: { dataset: 'secret/vault', version: 'v1', uri: secret, format: 'CSV' },
    });
    const vault = expectType(
      registered.data.registerDatasetVersion,
      'RegisterDatasetVersionPayload',
    ).datasetVersion;
    const started = await t.graphql(StartRun, {
      input: {
        project: 'audit',
        runner: 'emit',
        inputs: [{ role: 'dataset', version: vault.id }],
        config: { metrics: [{ key: 'accuracy', value: 0.5 }] },
      },
    });
    const { run } = expectType(started.data.startRun, 'StartRunPayload');
    await waitForStatus(t, run.id, ['SUCCEEDED']);
    const auditor = memberOf('auditor', ['audit'], 'viewer');
    const seen = await t.graphql(Attestation, { id: run.id }, { as: auditor });
    expect(seen.data.node).toMatchObject({ id: run.id, attestation: null });
    const { data } = await t.graphql(Bundle, { id: run.id }, { as: auditor });
    const bundle = data.provenanceBundle as ProvenanceBundle;
    expect(bundle.runs).toEqual([]);
    expect(bundle.unattestedRuns).toEqual([run.id]);
    const vaultUuid = Buffer.from(vault.id, 'base64url').toString().split(':')[1]!;
    for (const marker of [vault.digest, vault.id, vaultUuid, secret])
      expect(JSON.stringify(bundle)).not.toContain(marker);
    expect(verifyBundle(bundle).problem).toBeNull();
    // Whoever sees both projects gets the statement.
    expect((await attestationOf(run.id)).statement.predicate.inputs[0].digest.sha256).toBe(
      vault.digest.slice('sha256:'.length),
    );
  });
});

describe('signing keys', () => {
  it('makes a key in the data folder (owner only) once, and keeps it', () => {
    const folder = tempFolder();
    try {
      const source = { given: undefined, kind: 'pglite' as const, dataDir: folder.path };
      const first = resolveSigningKey(source);
      const file = join(folder.path, SIGNING_KEY_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(resolveSigningKey(source).keyId).toBe(first.keyId);
    } finally {
      folder.remove();
    }
  });

  it('needs EVALHUB_SIGNING_KEY with PostgreSQL, and refuses a key that is not Ed25519', () => {
    expect(() => resolveSigningKey({ given: undefined, kind: 'postgres', dataDir: '' })).toThrow(
      /EVALHUB_SIGNING_KEY is needed with PostgreSQL/,
    );
    const rsa = join(files.path, 'rsa.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(rsa, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => resolveSigningKey({ given: rsa, kind: 'postgres', dataDir: '' })).toThrow(
      /rsa key; evidence is signed with Ed25519/,
    );
    expect(() =>
      resolveSigningKey({ given: join(files.path, 'nope.pem'), kind: 'pglite', dataDir: '' }),
    ).toThrow(/cannot be read/);
  });

  it('keeps a rotated key published, and one process signs with one key', async () => {
    const folder = tempFolder();
    try {
      const rotated = resolveSigningKey({ given: undefined, kind: 'pglite', dataDir: folder.path });
      await expect(openSigningKey(t.database.db, rotated)).rejects.toThrow(/another key/);
      // What a hub restarted with the new key publishes: both keys stay listed.
      await t.database.db.execute(
        sql`insert into signing_keys (id, algorithm, public_key) values (${rotated.keyId}, 'ed25519', ${rotated.publicKeyPem})`,
      );
      const ids = (await publicKeys()).map((key) => key.keyId);
      expect(ids).toHaveLength(2);
      expect(ids).toContain(rotated.keyId);
    } finally {
      folder.remove();
    }
  });
});

/** `evalhub ...args`, as an auditor runs it: no hub configured, no database. */
function evalhub(...args: string[]): Promise<CliResult> {
  return runEvalhub(args, { home: files.path, env: { NO_COLOR: '1' } });
}

async function fetchBundle(id: string): Promise<{ text: string; bundle: ProvenanceBundle }> {
  const response = await fetch(`${t.hub.url}/api/v1/lineage/${id}/bundle`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, bundle: JSON.parse(text) as ProvenanceBundle };
}

/** A deep copy of `bundle` changed by `change`. */
function tampered(bundle: ProvenanceBundle, change: (copy: Loose) => void): ProvenanceBundle {
  const copy = structuredClone(bundle);
  change(copy);
  return copy;
}

/** `text` with the one character at `index` replaced by another of the same kind. */
function flipCharacter(text: string, index: number): string {
  const c = text[index]!;
  const other = /[0-9]/.test(c) ? String((Number(c) + 1) % 10) : c === 'A' ? 'B' : 'A';
  return text.slice(0, index) + other + text.slice(index + 1);
}

describe('provenance bundles', () => {
  it("holds a finding's trace, the attestations of its runs, their audit records and keys", async () => {
    const { bundle } = await fetchBundle(failedFindingId);
    expect(bundle.subject).toEqual({ type: 'Finding', id: failedFindingId });
    expect(bundle.runs.map((run) => run.id).sort()).toEqual([stepRunId, workflowRunId].sort());
    expect(bundle.unattestedRuns).toEqual([]);
    expect(bundle.auditRecords.filter((r) => r.action === 'run.end')).toHaveLength(2);
    expect(bundle.contents).toContainEqual(
      expect.objectContaining({
        type: 'DatasetVersion',
        digest: datasetDigest,
        uri: `file://${datasetPath}`,
      }),
    );
    // The hub hashed every version here itself.
    expect(bundle.contents.filter((content) => 'contentMeasured' in content)).toEqual([]);
    expect(JSON.stringify(bundle.trace)).toContain('prov:');
    expect(bundle.keys).toHaveLength(1);
    expect(verifyBundle(bundle)).toMatchObject({ problem: null, checked: { attestations: 2 } });
    // The GraphQL field gives the same bundle (made anew: its own time and checkpoint).
    const { data } = await t.graphql(Bundle, { id: failedFindingId });
    const viaGraphql = data.provenanceBundle as ProvenanceBundle;
    expect(viaGraphql.runs).toEqual(bundle.runs);
    expect(viaGraphql.auditRecords).toEqual(bundle.auditRecords);
    expect(verifyBundle(viaGraphql).problem).toBeNull();
  });

  it('is refused for what is not a run or finding, and absent for what is not visible', async () => {
    const { data, errors } = await t.graphql(Bundle, { id: 'bm90IGFuIGlk' });
    expect(errors).toBeUndefined();
    expect(data.provenanceBundle).toBeNull();
    const notThere = await fetch(
      `${t.hub.url}/api/v1/lineage/${Buffer.from('Run:0190a000-0000-7000-8000-000000000000').toString('base64url')}/bundle`,
    );
    expect(notThere.status).toBe(404);
    const ofDataset = await fetch(`${t.hub.url}/api/v1/lineage/${datasetVersionId}/bundle`);
    expect(ofDataset.status).toBe(400);
    expect(await ofDataset.json()).toEqual({
      error: 'a provenance bundle is of a run or a finding',
    });
    const viaGraphql = await t.graphql(Bundle, { id: datasetVersionId });
    expect(viaGraphql.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('fails, naming it, when one byte of a metric, digest, signature or audit record changes', async () => {
    const { bundle } = await fetchBundle(failedFindingId);
    const step = bundle.runs.findIndex((run) => run.id === stepRunId);
    const cases: Array<[string, ProvenanceBundle, RegExp]> = [
      [
        'a metric value',
        tampered(bundle, (b) => {
          b.runs[step].metrics[0].value = 0.72;
        }),
        new RegExp(`run ${stepRunId}: its metrics do not match the digest its attestation signs`),
      ],
      [
        'a content digest',
        tampered(bundle, (b) => {
          b.contents[0].digest = flipCharacter(b.contents[0].digest, 20);
        }),
        /the content digests were changed/,
      ],
      [
        'a signature',
        tampered(bundle, (b) => {
          const signature = b.runs[step].attestation.signatures[0];
          signature.sig = flipCharacter(signature.sig, 10);
        }),
        new RegExp(
          `the attestation of run ${stepRunId}: its signature by key \\w+ does not verify`,
        ),
      ],
      [
        'an audit record',
        tampered(bundle, (b) => {
          b.auditRecords[0].actor = flipCharacter(b.auditRecords[0].actor, 0);
        }),
        new RegExp(`audit record ${bundle.auditRecords[0]!.id} was changed`),
      ],
      [
        'a signed statement',
        tampered(bundle, (b) => {
          const statement = JSON.parse(
            Buffer.from(b.runs[step].attestation.payload, 'base64').toString(),
          );
          statement.predicate.seed += 1;
          b.runs[step].attestation.payload = Buffer.from(JSON.stringify(statement)).toString(
            'base64',
          );
        }),
        new RegExp(
          `the attestation of run ${stepRunId}: its signature by key \\w+ does not verify`,
        ),
      ],
      [
        'the trace',
        tampered(bundle, (b) => {
          b.trace.prefix.evalhub = 'urn:elsewhere:';
        }),
        /the trace was changed/,
      ],
      [
        'a run removed',
        tampered(bundle, (b) => {
          b.runs.splice(step, 1);
        }),
        /one added or removed/,
      ],
    ];
    for (const [what, changed, problem] of cases)
      expect(verifyBundle(changed).problem, what).toMatch(problem);
  });

  it('checks a bundle and given content from the command line, with no hub', async () => {
    const file = join(files.path, 'bundle.json');
    const exported = await evalhub('bundle', failedFindingId, '-o', file, '--hub', t.hub.url);
    expect(exported.code, exported.stderr).toBe(0);
    const good = await evalhub('verify', file, '--content', datasetPath);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/OK: 2 attestation\(s\), \d+ audit record\(s\), 1 content\(s\)/);

    // One byte of the file: the metric value 0.62 becomes 0.63.
    const text = readFileSync(file, 'utf8');
    const metric = '"key":"recall","value":0.62';
    const at = text.indexOf(metric);
    expect(at).toBeGreaterThan(0);
    const flipped = join(files.path, 'flipped.json');
    writeFileSync(
      flipped,
      `${text.slice(0, at)}${metric.replace('0.62', '0.63')}${text.slice(at + metric.length)}`,
    );
    const bad = await evalhub('verify', flipped);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`run ${stepRunId}: its metrics do not match`);
  }, 180_000);

  it('checks given content and pinned keys as `evalhub verify` does', async () => {
    const file = join(files.path, 'bundle-in-process.json');
    writeFileSync(file, (await fetchBundle(failedFindingId)).text);
    const said: string[] = [];
    const errorSpy = vi.spyOn(console, 'error').mockImplementation((line) => said.push(line));
    const logSpy = vi.spyOn(console, 'log').mockImplementation((line) => said.push(line));
    try {
      const other = join(files.path, 'other.csv');
      writeFileSync(other, 'text,label\nhello,b\n');
      expect(await verifyFile(file, { content: [other], key: [] })).toBe(1);
      expect(said.pop()).toContain(`${other} (${coreutilsFileDigest(other)}) matches no digest`);
      // Pinned to another key, the hub's signatures are not trusted; to its own, they are.
      const stranger = join(files.path, 'stranger.pem');
      const { publicKey } = generateKeyPairSync('ed25519');
      writeFileSync(stranger, publicKey.export({ type: 'spki', format: 'pem' }));
      expect(await verifyFile(file, { content: [], key: [stranger] })).toBe(1);
      expect(said.pop()).toMatch(/the checkpoint: it is signed by key \w+, which is not known/);
      const own = join(files.path, 'own.pem');
      writeFileSync(own, (await publicKeys())[0]!.publicKey);
      expect(await verifyFile(file, { content: [], key: [own] })).toBe(0);
      expect(said.pop()).toContain('(pinned)');
    } finally {
      errorSpy.mockRestore();
      logSpy.mockRestore();
    }
  });

  it('verifies a signature with openssl alone, as the README shows', async () => {
    const file = join(files.path, 'bundle-openssl.json');
    writeFileSync(file, (await fetchBundle(stepRunId)).text);
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const recipe = /<!-- openssl-recipe -->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(recipe).toBeDefined();
    const run = (script: string) =>
      new Promise<{ code: number; out: string }>((done) =>
        execFile(
          'bash',
          ['-euo', 'pipefail', '-c', script],
          { cwd: files.path, env: { PATH: process.env.PATH } },
          (error, stdout, stderr) =>
            done({
              code: error ? Number((error as { code?: number }).code ?? 1) : 0,
              out: stdout + stderr,
            }),
        ),
      );
    const good = await run(recipe!.replaceAll('bundle.json', file));
    expect(good.code, good.out).toBe(0);
    expect(good.out).toContain('Signature Verified Successfully');
    // The key id the recipe computes is the one the signature names.
    const { bundle } = await fetchBundle(stepRunId);
    expect(good.out).toContain(bundle.runs[0]!.attestation.signatures[0]!.keyid);
    // The same recipe over a statement changed by one byte fails.
    const bad = await run(
      recipe!
        .replaceAll('bundle.json', file)
        .replace(
          'cat statement.json >> pae.bin',
          "sed 's/SUCCEEDED/SUCCEEDEE/' statement.json >> pae.bin",
        ),
    );
    expect(bad.code).not.toBe(0);
  });
});

const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.23.0/client/python';
const OL_RUN = '01939b52-1111-7000-8000-00000000a001';
const quality = (namespace: string, name: string, rowCount: number) => ({
  namespace,
  name,
  inputFacets: {
    dataQualityMetrics: {
      _producer: PRODUCER,
      _schemaURL:
        'https://openlineage.io/spec/facets/1-0-2/DataQualityMetricsInputDatasetFacet.json',
      rowCount,
      columnMetrics: {},
    },
    dataQualityAssertions: {
      _producer: PRODUCER,
      _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json',
      assertions: [{ assertion: 'not_empty', success: false }],
    },
  },
});

/** An OpenLineage RunEvent of the imported run, at minute `minute`. */
function lineageEvent(
  eventType: string,
  minute: number,
  inputs: unknown[],
  outputs: unknown[] = [],
) {
  return {
    eventType,
    eventTime: `2026-12-01T10:${String(minute).padStart(2, '0')}:00Z`,
    producer: PRODUCER,
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId: OL_RUN, facets: {} },
    job: { namespace: 'audit', name: 'nightly.quality' },
    inputs,
    outputs,
  };
}

async function postLineage(events: unknown[]): Promise<string> {
  const response = await fetch(`${t.hub.url}/api/v1/lineage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  const body = (await response.json()) as { runs: Array<{ id: string }> };
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body.runs[0]!.id;
}

async function runEndRecords(runId: string) {
  return t.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'run.end'), eq(auditLog.targetId, decodeGlobalId(runId)!.id)))
    .orderBy(auditLog.id);
}

/** `text` with one digit of the JSON of `metric` changed: one byte of the file. */
function flipMetric(text: string, metric: unknown): ProvenanceBundle {
  const needle = JSON.stringify(metric);
  const at = text.indexOf(needle);
  expect(at).toBeGreaterThan(0);
  const digit = at + needle.indexOf('"value":') + '"value":'.length;
  return JSON.parse(flipCharacter(text, digit)) as ProvenanceBundle;
}

describe('imported runs', () => {
  let lineageRunId: string;

  it('attests an OpenLineage run as reported, not executed, claiming no digest it never measured', async () => {
    lineageRunId = await postLineage([
      lineageEvent('START', 0, []),
      lineageEvent(
        'COMPLETE',
        5,
        [quality('s3://lake', 'frames', 1000)],
        [{ namespace: 's3://lake', name: 'frames-clean' }],
      ),
    ]);
    const { statement } = await attestationOf(lineageRunId);
    expect(statement.subject.map((s) => s.name)).toEqual(['metrics.json', 'findings.json']);
    const { predicate } = statement;
    expect(predicate.run).toMatchObject({
      id: lineageRunId,
      status: 'SUCCEEDED',
      source: 'openlineage',
      externalId: OL_RUN,
    });
    expect(predicate.origin).toEqual({
      executedByHub: false,
      source: 'openlineage',
      producer: PRODUCER,
      reportedBy: 'local:tester',
      note: expect.stringMatching(/^The hub did not execute this run/),
    });
    // Its dataset is known by name only: the digest recorded for it is not of its content.
    expect(predicate.inputs).toEqual([
      expect.objectContaining({
        role: 'input',
        contentMeasured: false,
        recordedDigest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      }),
    ]);
    expect(predicate.inputs[0]).not.toHaveProperty('digest');
    // Nor is its output's: it is listed, and no subject.
    expect(predicate.outputs).toEqual([
      expect.objectContaining({ contentMeasured: false, recordedDigest: expect.anything() }),
    ]);
    expect(predicate.outputs[0]).not.toHaveProperty('digest');
    // A run the hub executed says so.
    expect((await attestationOf(stepRunId)).statement.predicate.origin).toEqual({
      executedByHub: true,
      source: 'hub',
    });
  });

  it('bundles it, verifies it offline, and names a one-byte flip', async () => {
    const { text, bundle } = await fetchBundle(lineageRunId);
    expect(bundle.runs.map((run) => run.id)).toEqual([lineageRunId]);
    expect(bundle.unattestedRuns).toEqual([]);
    // Its datasets' digests are what was recorded, not what the hub measured: so marked.
    const versions = bundle.contents.filter((content) => content.type === 'DatasetVersion');
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) expect(version).toMatchObject({ contentMeasured: false });
    expect(verifyBundle(bundle)).toMatchObject({ problem: null, checked: { attestations: 1 } });
    const file = join(files.path, 'lineage-bundle.json');
    writeFileSync(file, text);
    const logSpy = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await verifyFile(file, { content: [], key: [] })).toBe(0);
    } finally {
      logSpy.mockRestore();
    }
    const row = bundle.runs[0]!.metrics as unknown[];
    expect(verifyBundle(flipMetric(text, row[0])).problem).toMatch(
      new RegExp(`run ${lineageRunId}: its metrics do not match the digest its attestation signs`),
    );
  });

  it('seals it again, superseding the first seal, when a later event adds to it', async () => {
    const first = await attestationOf(lineageRunId);
    const [sealed] = await runEndRecords(lineageRunId);
    // Events after the end that change nothing sealed leave the seal alone.
    await postLineage([lineageEvent('OTHER', 6, [])]);
    expect(await runEndRecords(lineageRunId)).toHaveLength(1);
    // A late event with another dataset's quality adds an input and metrics.
    await postLineage([lineageEvent('OTHER', 7, [quality('s3://lake', 'labels', 20)])]);
    const records = await runEndRecords(lineageRunId);
    expect(records).toHaveLength(2);
    expect(records[1]!.details).toMatchObject({ status: 'SUCCEEDED', supersedes: sealed!.id });
    const second = await attestationOf(lineageRunId);
    expect(second.statementDigest).not.toBe(first.statementDigest);
    expect(second.statement.predicate.sealedBy.auditRecord).toBe(records[1]!.id);
    expect(second.statement.predicate.inputs).toHaveLength(2);
    expect(await verifyAuditRecord(t.database.db, Buffer.from(TEST_AUDIT_KEY))).toMatchObject({
      ok: true,
    });
    const { bundle } = await fetchBundle(lineageRunId);
    expect(bundle.auditRecords.filter((r) => r.action === 'run.end')).toHaveLength(2);
    expect(verifyBundle(bundle).problem).toBeNull();
  });

  it('attests a checkmaite import, giving the digest only of the version the hub measured', async () => {
    const record = JSON.parse(
      readFileSync(new URL('./fixtures/checkmaite/maite-evaluation.json', import.meta.url), 'utf8'),
    ) as { capability_id: string; model_metadata: unknown[] };
    const model = join(files.path, 'resnet18.onnx');
    writeFileSync(model, onnxBytes('resnet18'));
    await t.graphql(RegisterModel, {
      input: { project: 'audit', name: 'resnet18', task: 'IMAGE_CLASSIFICATION' },
    });
    const registered = await t.graphql(RegisterModelVersion, {
      input: {
        model: 'audit/resnet18',
        uri: model,
        format: 'ONNX',
        metadata: record.model_metadata[0],
      },
    });
    const modelVersion = expectType(
      registered.data.registerModelVersion,
      'RegisterModelVersionPayload',
    ).modelVersion;
    const imported = await importCheckmaiteRun(
      { db: t.database.db, actor: localOperator('tester'), runners: new RunnerRegistry([]) },
      { project: 'audit', record },
    );
    const runId = encodeGlobalId('Run', imported.run.id);
    const { statement } = await attestationOf(runId);
    expect(statement.predicate.origin).toMatchObject({
      executedByHub: false,
      source: 'checkmaite',
      producer: `checkmaite ${record.capability_id}`,
    });
    expect(statement.subject.map((s) => s.name)).toContain('artifact/checkmaite-record.json');
    const inputs = statement.predicate.inputs as Loose[];
    expect(inputs.find((i) => i.role === 'model')).toMatchObject({
      id: modelVersion.id,
      digest: { sha256: modelVersion.digest.slice('sha256:'.length) },
    });
    // The dataset it names is not registered: a placeholder, whose digest is of its id.
    const dataset = inputs.find((i) => i.role === 'dataset')!;
    expect(dataset).toMatchObject({ contentMeasured: false });
    expect(dataset).not.toHaveProperty('digest');

    const { text, bundle } = await fetchBundle(runId);
    expect(verifyBundle(bundle)).toMatchObject({ problem: null, checked: { attestations: 1 } });
    const row = bundle.runs.find((run) => run.id === runId)!.metrics as unknown[];
    expect(verifyBundle(flipMetric(text, row[0])).problem).toMatch(
      new RegExp(`run ${runId}: its metrics do not match the digest its attestation signs`),
    );
  });

  it('withholds the statement of a run whose output is in a hidden project, whole', async () => {
    const runId = '01939b52-1111-7000-8000-00000000a002';
    const hidden = {
      namespace: 's3://vault',
      name: 'leaked',
      facets: {
        evalhub_version: {
          _producer: PRODUCER,
          _schemaURL: 'urn:evalhub:openlineage-facets:1#/$defs/VersionFacet',
          kind: 'DATASET_VERSION',
          project: 'secret',
          name: 'leaked',
          task: 'OTHER',
          version: 'v1',
          digest: `sha256:${'ab'.repeat(32)}`,
          uri: 's3://vault/leaked',
          format: 'OTHER',
          sizeBytes: null,
          labels: null,
          itemCount: null,
          metadata: {},
          output: 'leaked',
        },
      },
    };
    const id = await postLineage([
      { ...lineageEvent('COMPLETE', 9, [], [hidden]), run: { runId, facets: {} } },
    ]);
    const auditor = memberOf('auditor', ['audit'], 'viewer');
    const seen = await t.graphql(Attestation, { id }, { as: auditor });
    expect(seen.data.node).toMatchObject({ id, attestation: null });
    // Whoever sees both projects gets it, the output listed as recorded, not measured.
    const { statement } = await attestationOf(id);
    expect(statement.predicate.outputs).toEqual([
      expect.objectContaining({ name: 'leaked', contentMeasured: false }),
    ]);
  });

  it("catches the run a run reproduces changed behind the hub's back, in audit verify and offline", async () => {
    const { db } = t.database;
    const step = decodeGlobalId(stepRunId)!.id;
    const original = decodeGlobalId(workflowRunId)!.id;
    await expect(
      db.execute(sql`update runs set reproduces_id = ${original} where id = ${step}`),
    ).rejects.toThrow();
    let found: { audit: Awaited<ReturnType<typeof verifyAuditRecord>>; offline: string | null };
    await db
      .transaction(async (tx) => {
        // What the database owner could do: drop the trigger, then rewrite the link.
        await tx.execute(sql`drop trigger runs_finished_frozen on runs`);
        await tx.execute(sql`update runs set reproduces_id = ${original} where id = ${step}`);
        const ctx = {
          db: tx as unknown as Database,
          actor: localOperator('tester'),
          runners: new RunnerRegistry([]),
        };
        const bundle = (await provenanceBundle(ctx, stepRunId))!;
        found = {
          audit: await verifyAuditRecord(tx, Buffer.from(TEST_AUDIT_KEY)),
          offline: verifyBundle(JSON.parse(JSON.stringify(bundle))).problem,
        };
        tx.rollback();
      })
      .catch((error) => {
        if (!/rollback/i.test(String(error))) throw error;
      });
    expect(found!.audit).toMatchObject({ ok: false, firstBroken: { action: 'run.end' } });
    expect(found!.audit.reason).toMatch(
      new RegExp(`run ${step} changed after it ended: its links no longer match`),
    );
    expect(found!.offline).toMatch(
      new RegExp(`run ${stepRunId}: its links do not match the digest its run.end audit record`),
    );
    // Rolled back: all holds again.
    expect(await verifyAuditRecord(db, Buffer.from(TEST_AUDIT_KEY))).toMatchObject({ ok: true });
  });
});
