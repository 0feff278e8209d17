// The provenance bundle: one JSON document an auditor takes away and checks without the hub
// (verify.ts). What is in it, and the digests that tie its parts to the signatures:
// - `runs`: each run's attestation (a signed in-toto statement) with the metrics and findings
//   its subjects name by digest, and the other rows its `run.end` audit record seals by
//   digest (the run, its inputs, its links, its outputs, its artifacts);
// - `auditRecords`: the audit records of every node, as the chain holds them;
// - `checkpoint`: a DSSE envelope, signed with the hub's key, over the chain's head and count
//   when the bundle was made, the digest of each audit record (which the hub checked against
//   its keyed chain first), each attestation's digest, and the digests of the trace and the
//   content list. The audit chain is keyed (HMAC), so an offline verifier cannot recompute
//   it; the checkpoint is the hub's signed word that those records are in its chain, and any
//   change to one of them no longer matches the digest it signed.
import type { DsseEnvelope } from '../evidence/dsse.ts';

export const BUNDLE_TYPE = 'urn:evalhub:provenance-bundle:v1';
export const CHECKPOINT_TYPE = 'urn:evalhub:bundle-checkpoint:v1';
export const CHECKPOINT_PAYLOAD_TYPE = 'application/vnd.evalhub.bundle-checkpoint+json';

/** What the bundle is of: a run or a finding, by global id. */
export interface BundleSubject {
  type: string;
  id: string;
}

export interface BundleRun {
  /** The run's global id. */
  id: string;
  attestation: DsseEnvelope;
  /** The rows whose canonical JSON the statement's `metrics.json` subject is the digest of. */
  metrics: unknown;
  /** The same for `findings.json`. */
  findings: unknown;
  /**
   * What else the run's `run.end` audit record seals by digest, each part the rows whose
   * canonical JSON that digest is of: its status, runner, config and seed; its inputs; its
   * links (workflow, parent, retried or reproduced run); the versions it made; its artifacts.
   */
  run: unknown;
  inputs: unknown;
  links: unknown;
  outputs: unknown;
  artifacts: unknown;
}

/** An audit record as the chain holds it (`at` in ISO 8601). */
export interface BundleAuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  projectId: string | null;
  targetType: string;
  targetId: string | null;
  details: unknown;
  prevHash: string;
  hash: string;
}

/** A model or dataset version, or an artifact, of the trace, and its content's digest. */
export interface BundleContent {
  /** Its global id. */
  id: string;
  type: string;
  name: string;
  uri: string | null;
  /** `sha256:<hex>`: of the file, or a folder's digest (coreutils rule, README). */
  digest: string;
  sizeBytes: number | null;
  /**
   * False for a version whose digest the hub never computed (an import recorded what another
   * tool said): the hub signs that this digest was recorded, not that it is of the content.
   */
  contentMeasured?: false;
}

export interface BundleKey {
  keyId: string;
  algorithm: string;
  /** SPKI PEM. */
  publicKey: string;
}

export interface Checkpoint {
  _type: typeof CHECKPOINT_TYPE;
  subject: BundleSubject;
  createdAt: string;
  /** The audit chain when the bundle was made: how many records, and the newest one's hash. */
  chain: { records: number; head: string };
  /** Each audit record of the bundle: its place and hash in the chain, its canonical digest. */
  auditRecords: Array<{ id: number; hash: string; digest: string }>;
  /** Each attested run and its statement's digest. */
  runs: Array<{ id: string; statementDigest: string }>;
  /**
   * Runs of the trace whose attestation is not in the bundle: still going, ended before the
   * hub signed evidence, or naming an input in a project the caller may not see.
   */
  unattestedRuns: string[];
  /** Canonical digests of the trace and of the content list. */
  trace: string;
  contents: string;
}

export interface ProvenanceBundle {
  bundleType: typeof BUNDLE_TYPE;
  subject: BundleSubject;
  createdAt: string;
  /** The upstream trace of the subject as W3C PROV-JSON. */
  trace: unknown;
  runs: BundleRun[];
  unattestedRuns: string[];
  auditRecords: BundleAuditRecord[];
  contents: BundleContent[];
  checkpoint: DsseEnvelope;
  keys: BundleKey[];
}
