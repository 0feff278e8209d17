// Checking a provenance bundle offline (`evalhub verify`): no hub, no database. Every
// signature against the bundle's keys (or the ones the auditor pins), every subject's digest
// against the bytes included, each audit record against the digest the hub signed for it and
// against its neighbours and its run's attestation, and any content given against the
// bundle's digests. The first problem found is named; nothing after it is trusted.
import { createPublicKey } from 'node:crypto';
import { canonicalDigest, sha256Digest } from '../core/sha256.ts';
import { verifyEnvelope } from '../evidence/dsse.ts';
import { keyIdOf } from '../evidence/signing-key.ts';
import {
  IN_TOTO_PAYLOAD_TYPE,
  RUN_PREDICATE_TYPE,
  type RunStatement,
  STATEMENT_TYPE,
  SUBJECT,
} from '../evidence/statement.ts';
import {
  BUNDLE_TYPE,
  type BundleAuditRecord,
  type BundleKey,
  type BundleRun,
  CHECKPOINT_PAYLOAD_TYPE,
  CHECKPOINT_TYPE,
  type Checkpoint,
  type ProvenanceBundle,
} from './format.ts';

export interface BundleVerification {
  /** The first problem, naming what is wrong; null when everything checks. */
  problem: string | null;
  /** What was checked (up to the problem). */
  checked: { keys: string[]; attestations: number; auditRecords: number; contents: number };
}

/** Content the auditor gives beside the bundle: its path and digest. */
export interface GivenContent {
  path: string;
  digest: string;
}

class Problem extends Error {}

const fail = (message: string): never => {
  throw new Problem(message);
};

/** The trusted keys by id: the pinned ones, else the bundle's, each id checked against its key. */
function trustedKeys(bundle: ProvenanceBundle, pinned: readonly string[] | undefined) {
  const keys = new Map<string, string>();
  const listed: Array<Pick<BundleKey, 'keyId' | 'publicKey'>> = pinned
    ? pinned.map((pem) => ({ keyId: '', publicKey: pem }))
    : (bundle.keys ?? []);
  for (const key of listed) {
    let id: string;
    try {
      id = keyIdOf(createPublicKey(key.publicKey));
    } catch {
      return fail(`key ${key.keyId || '(given)'} is not a public key in PEM`);
    }
    if (key.keyId && key.keyId !== id)
      fail(`key ${key.keyId}: its id is not the SHA-256 of its public key (${id})`);
    keys.set(id, key.publicKey);
  }
  if (!keys.size) fail('the bundle lists no public key');
  return keys;
}

function signedPayload(envelope: unknown, type: string, keys: Map<string, string>, what: string) {
  const check = verifyEnvelope(envelope, type, keys);
  if (!check.ok) return fail(`${what}: ${check.problem}`);
  try {
    return JSON.parse(check.payload.toString('utf8')) as unknown;
  } catch {
    return fail(`${what}: its payload is not JSON`);
  }
}

const hex = (digest: string) => digest.replace(/^sha256:/, '');

/** Each run: its signature, its statement, and its subjects against the results included. */
function checkRuns(bundle: ProvenanceBundle, checkpoint: Checkpoint, keys: Map<string, string>) {
  const statements = new Map<string, RunStatement>();
  const signed = new Map(checkpoint.runs.map((run) => [run.id, run.statementDigest]));
  if (signed.size !== bundle.runs.length || bundle.runs.some((run) => !signed.has(run.id)))
    fail('the runs of the bundle are not the ones its checkpoint signs for (one added or removed)');
  for (const run of bundle.runs) {
    const what = `the attestation of run ${run.id}`;
    const statement = signedPayload(
      run.attestation,
      IN_TOTO_PAYLOAD_TYPE,
      keys,
      what,
    ) as RunStatement;
    if (sha256Digest(Buffer.from(run.attestation.payload, 'base64')) !== signed.get(run.id))
      fail(`${what} is not the one the checkpoint signs for`);
    if (statement._type !== STATEMENT_TYPE || statement.predicateType !== RUN_PREDICATE_TYPE)
      fail(`${what} is not an evalhub run statement`);
    if ((statement.predicate.run as { id?: string })?.id !== run.id)
      fail(`${what} is about another run`);
    const subject = (name: string) => statement.subject.find((s) => s.name === name)?.digest.sha256;
    if (subject(SUBJECT.metrics) !== hex(canonicalDigest(run.metrics)))
      fail(
        `run ${run.id}: its metrics do not match the digest its attestation signs (${SUBJECT.metrics})`,
      );
    if (subject(SUBJECT.findings) !== hex(canonicalDigest(run.findings)))
      fail(
        `run ${run.id}: its findings do not match the digest its attestation signs (${SUBJECT.findings})`,
      );
    statements.set(run.id, statement);
  }
  return statements;
}

/** The parts of a run a `run.end` record seals by digest, as the bundle carries them. */
const SEALED_PARTS = [
  'run',
  'inputs',
  'links',
  'outputs',
  'metrics',
  'findings',
  'artifacts',
] as const;

/** Each part of `run` the record sealed, against the digest it sealed. */
function checkSealedParts(run: BundleRun, record: BundleAuditRecord) {
  const sealed = (record.details as { digests?: Record<string, string> }).digests ?? {};
  for (const part of SEALED_PARTS)
    if (sealed[part] !== undefined && canonicalDigest(run[part]) !== sealed[part])
      fail(
        `run ${run.id}: its ${part} do not match the digest its run.end audit record ${record.id} seals (changed after it ended)`,
      );
}

/**
 * The audit records: each as signed, linked to its neighbour, and to its run's attestation;
 * each run's rows against the digests its run.end record sealed.
 */
function checkAuditRecords(
  bundle: ProvenanceBundle,
  checkpoint: Checkpoint,
  statements: Map<string, RunStatement>,
) {
  const records = bundle.auditRecords;
  if (records.length !== checkpoint.auditRecords.length)
    fail('the audit records are not the ones the checkpoint signs for (one added or removed)');
  const byId = new Map<number, BundleAuditRecord>();
  records.forEach((record, index) => {
    const signed = checkpoint.auditRecords[index]!;
    if (record.id !== signed.id || canonicalDigest(record) !== signed.digest)
      fail(
        `audit record ${signed.id} was changed: it does not match the digest the checkpoint signs`,
      );
    const previous = byId.get(record.id - 1);
    if (previous && record.prevHash !== previous.hash)
      fail(`audit record ${record.id} does not follow record ${previous.id} in the chain`);
    byId.set(record.id, record);
  });
  for (const [runId, statement] of statements) {
    const sealedBy = statement.predicate.sealedBy as { auditRecord: number; hash: string };
    const record = byId.get(sealedBy.auditRecord);
    if (!record || record.hash !== sealedBy.hash || record.action !== 'run.end')
      fail(`run ${runId}: the run.end audit record its attestation names is not in the bundle`);
    const sealed = (record!.details as { digests?: Record<string, string> }).digests ?? {};
    const subject = (name: string) => statement.subject.find((s) => s.name === name)?.digest.sha256;
    if (
      hex(sealed.metrics ?? '') !== subject(SUBJECT.metrics) ||
      hex(sealed.findings ?? '') !== subject(SUBJECT.findings)
    )
      fail(`run ${runId}: its attestation and its run.end audit record disagree on its results`);
    checkSealedParts(bundle.runs.find((run) => run.id === runId)!, record!);
  }
}

function checkGivenContent(bundle: ProvenanceBundle, given: readonly GivenContent[]) {
  const known = new Set([
    ...bundle.contents.map((content) => content.digest),
    ...bundle.runs.flatMap((run) =>
      (
        JSON.parse(Buffer.from(run.attestation.payload, 'base64').toString('utf8')) as RunStatement
      ).subject.map((subject) => `sha256:${subject.digest.sha256}`),
    ),
  ]);
  for (const content of given)
    if (!known.has(content.digest))
      fail(`${content.path} (${content.digest}) matches no digest in the bundle`);
}

/** Checks `bundle` (parsed JSON) offline; `pinnedKeys` (SPKI PEM) replace the bundle's own. */
export function verifyBundle(
  bundle: ProvenanceBundle,
  options: { pinnedKeys?: readonly string[]; content?: readonly GivenContent[] } = {},
): BundleVerification {
  const checked = { keys: [] as string[], attestations: 0, auditRecords: 0, contents: 0 };
  try {
    if (bundle?.bundleType !== BUNDLE_TYPE)
      fail(`this is not a provenance bundle (${BUNDLE_TYPE})`);
    const keys = trustedKeys(bundle, options.pinnedKeys);
    const checkpoint = signedPayload(
      bundle.checkpoint,
      CHECKPOINT_PAYLOAD_TYPE,
      keys,
      'the checkpoint',
    ) as Checkpoint;
    if (checkpoint._type !== CHECKPOINT_TYPE) fail('the checkpoint is not an evalhub checkpoint');
    if (
      canonicalDigest(bundle.subject) !== canonicalDigest(checkpoint.subject) ||
      bundle.createdAt !== checkpoint.createdAt
    )
      fail('the bundle names another subject or time than its checkpoint signs');
    const statements = checkRuns(bundle, checkpoint, keys);
    checked.attestations = statements.size;
    checkAuditRecords(bundle, checkpoint, statements);
    checked.auditRecords = bundle.auditRecords.length;
    if (canonicalDigest(bundle.unattestedRuns) !== canonicalDigest(checkpoint.unattestedRuns))
      fail('the list of unattested runs is not the one the checkpoint signs');
    if (canonicalDigest(bundle.trace) !== checkpoint.trace)
      fail('the trace was changed: it does not match the digest the checkpoint signs');
    if (canonicalDigest(bundle.contents) !== checkpoint.contents)
      fail('the content digests were changed: they do not match the digest the checkpoint signs');
    checkGivenContent(bundle, options.content ?? []);
    checked.contents = options.content?.length ?? 0;
    checked.keys = [...keys.keys()];
    return { problem: null, checked };
  } catch (error) {
    if (error instanceof Problem) return { problem: error.message, checked };
    throw error;
  }
}
