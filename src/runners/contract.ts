// The contract between the hub and a runner module. A runner gets its resolved inputs,
// validated config, seed, an AbortSignal and `emit`; it computes, and emits what it
// finds. It never touches the database: the engine stores and streams what it emits.
import type { z } from 'zod';

export type InputKind = 'MODEL_VERSION' | 'DATASET_VERSION';

export interface InputRole {
  /** The role's name, e.g. "model", "dataset", "reference". */
  role: string;
  kind: InputKind;
  description: string;
  /** Formats the runner can read (ModelFormat / DatasetFormat names); any when absent. */
  formats?: readonly string[];
  /** May be left out. */
  optional?: boolean;
  /** May be given more than once. */
  multiple?: boolean;
}

/** A version a run uses, as the runner sees it. */
export interface ResolvedInput {
  role: string;
  kind: InputKind;
  /** Local id of the version. */
  id: string;
  /** "project/name@version", for messages and reports. */
  ref: string;
  digest: string;
  uri: string;
  /** The local path when the uri is a file:// URL, else null. */
  localPath: string | null;
  format: string;
  metadata: Record<string, unknown>;
  labels: string[] | null;
  itemCount: number | null;
}

export type Severity = 'INFO' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface MetricEmission {
  key: string;
  value: number;
  step?: number;
  /** Slice labels, e.g. {class: "cat"} or {perturbation: "blur", severity: "2"}. */
  slice?: Record<string, string>;
  ci?: { lower: number; upper: number; level: number };
  sampleSize?: number;
}

export interface FindingEmission {
  kind: string;
  severity: Severity;
  title: string;
  summary?: string;
  /** Metric values, thresholds, artifact names: what the finding rests on. */
  evidence?: Record<string, unknown>;
  /** The input role the finding is about (its version becomes the finding's subject). */
  subjectRole?: string;
  requirement?: Record<string, unknown>;
}

export interface ArtifactEmission {
  name: string;
  mediaType: string;
  bytes: Uint8Array;
}

export interface Emitter {
  progress(progress: { fraction?: number; stage?: string; message?: string }): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
  metric(metric: MetricEmission): void;
  finding(finding: FindingEmission): void;
  artifact(artifact: ArtifactEmission): void;
  /** Resolves once what was emitted is stored; await it now and then to go no faster than storage. */
  flushed(): Promise<void>;
}

export interface RunContext<Config> {
  runId: string;
  /** Inputs by role, in the order given. */
  inputs: Record<string, ResolvedInput[]>;
  config: Config;
  seed: number;
  /** Aborted when the run is cancelled, or its worker loses the run. */
  signal: AbortSignal;
  /** A scratch folder of this run, removed after it ends. */
  workDir: string;
  emit: Emitter;
}

export interface RunnerModule<Schema extends z.ZodType = z.ZodType> {
  id: string;
  version: string;
  description: string;
  inputs: readonly InputRole[];
  /** Accepts inputs under any role (the command runner passes them all to its program). */
  anyRole?: boolean;
  /** Validates and completes a config; its defaults should suit a first-time user. */
  config: Schema;
  run(ctx: RunContext<z.output<Schema>>): Promise<void>;
}

/** Identity helper that keeps a runner's config type attached to its `run`. */
export function defineRunner<Schema extends z.ZodType>(
  runner: RunnerModule<Schema>,
): RunnerModule<Schema> {
  return runner;
}

/** The error a runner throws for a problem with its inputs or config (not a bug). */
export class RunnerInputError extends Error {
  override name = 'RunnerInputError';
}
