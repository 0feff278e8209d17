// Why a run cannot be reproduced: typed, so that a client can tell a changed input from a
// runner this hub no longer has, and a run that cannot be re-executed at all.
import type { VersionKind } from '../../runners/contract.ts';

/**
 * GONE: nothing at the recorded location; CHANGED: other bytes; UNREADABLE: a remote uri, or a
 * path the hub cannot read (permissions, something other than files and folders).
 */
export type ContentState = 'GONE' | 'CHANGED' | 'UNREADABLE';

/** An input whose content is no longer what the run recorded. */
export class InputContentError extends Error {
  override name = 'InputContentError';
  readonly role: string;
  readonly kind: VersionKind;
  readonly versionId: string;
  /** "project/name@version" */
  readonly ref: string;
  readonly uri: string;
  readonly state: ContentState;
  readonly recordedDigest: string;
  /** The digest of what is there now; null when nothing (or nothing readable) is. */
  readonly actualDigest: string | null;
  constructor(input: {
    role: string;
    kind: VersionKind;
    versionId: string;
    ref: string;
    uri: string;
    state: ContentState;
    recordedDigest: string;
    actualDigest: string | null;
  }) {
    const what = `input ${input.role} (${input.ref} at ${input.uri})`;
    super(
      input.state === 'GONE'
        ? `${what} is gone: nothing is there to check against its recorded digest ${input.recordedDigest}`
        : input.state === 'UNREADABLE'
          ? `${what} cannot be read by the hub, so its content cannot be checked against its recorded digest ${input.recordedDigest}`
          : `${what} changed: its recorded digest is ${input.recordedDigest}, its content now has ${input.actualDigest}`,
    );
    this.role = input.role;
    this.kind = input.kind;
    this.versionId = input.versionId;
    this.ref = input.ref;
    this.uri = input.uri;
    this.state = input.state;
    this.recordedDigest = input.recordedDigest;
    this.actualDigest = input.actualDigest;
  }
}

/** The runner version the run used is not installed on this hub. */
export class RunnerUnavailableError extends Error {
  override name = 'RunnerUnavailableError';
  readonly runner: string;
  readonly version: string;
  /** The version this hub has, if any. */
  readonly installedVersion: string | null;
  constructor(runner: string, version: string, installedVersion: string | null) {
    super(
      `runner ${runner}@${version} is not installed on this hub${installedVersion ? ` (it has ${installedVersion})` : ''}, so the run cannot be re-executed as it was`,
    );
    this.runner = runner;
    this.version = version;
    this.installedVersion = installedVersion;
  }
}

/** NOT_FINISHED: still queued or running; NOT_SUCCEEDED: no results to compare; EXTERNAL: not executed by the hub. */
export type NotReproducibleReason = 'NOT_FINISHED' | 'NOT_SUCCEEDED' | 'EXTERNAL';

/** A run the hub cannot re-execute and compare. */
export class RunNotReproducibleError extends Error {
  override name = 'RunNotReproducibleError';
  readonly reason: NotReproducibleReason;
  readonly status: string;
  constructor(reason: NotReproducibleReason, status: string, source: string) {
    super(
      reason === 'NOT_FINISHED'
        ? `the run is still ${status}; reproduce it once it has succeeded`
        : reason === 'NOT_SUCCEEDED'
          ? `the run ${status.toLowerCase()}: only a run that succeeded has results to reproduce`
          : `the run was recorded by ${source === 'external' ? 'a client outside the hub' : `an import from ${source}`}; the hub did not execute it, so it cannot re-execute it`,
    );
    this.reason = reason;
    this.status = status;
  }
}
