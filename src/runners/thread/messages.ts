// What a runner's thread and the hub say to each other over the port of one run.
import type { MessagePort } from 'node:worker_threads';
import type { ResolvedInput } from '../contract.ts';
import type { ModelSignature } from '../onnx/model-signature.ts';

/** The hub asks a thread to run a runner: everything of its RunContext but the functions. */
export interface RunRequest {
  type: 'run';
  runnerId: string;
  runId: string;
  inputs: Record<string, ResolvedInput[]>;
  config: unknown;
  seed: number;
  workDir: string;
  /** The port the run's messages go over; closed when it ends. */
  port: MessagePort;
}

/** The hub asks a thread to read the signature of the ONNX model at `path`. */
export interface SignatureRequest {
  type: 'model-signature';
  path: string;
  /** The port the answer comes back on. */
  port: MessagePort;
}

/** What a thread is asked to do. */
export type ThreadRequest = RunRequest | SignatureRequest;

/** A thread's answer to a SignatureRequest: `refused` when the file is not an ONNX model. */
export type SignatureAnswer =
  | { type: 'signature'; signature: ModelSignature }
  | { type: 'refused'; problem: string }
  | { type: 'failed'; error: ErrorText };

/** Emitter methods that return nothing: sent, not awaited. */
export type Notification = 'progress' | 'log' | 'metric' | 'finding' | 'artifact';
/** Emitter methods that return a promise: the thread waits for the hub's reply. */
export type Call = 'datasetOutput' | 'flushed';

export interface ErrorText {
  message: string;
}

/** From the thread. */
export type ThreadMessage =
  | { type: 'emit'; method: Notification; args: unknown[] }
  | { type: 'call'; id: number; method: Call; args: unknown[] }
  | { type: 'done' }
  | { type: 'failed'; error: ErrorText };

/** From the hub: the answer to a call. */
export type Reply =
  | { type: 'reply'; id: number; value: unknown }
  | { type: 'reply'; id: number; error: ErrorText };
