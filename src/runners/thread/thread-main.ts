// The entry point of a runner thread: runs the computing runners the hub hands it, one run
// at a time, and passes what they emit to the hub over the run's port; or reads an ONNX
// model's signature. The runners (image and model libraries) are loaded on the first run.
import { type MessagePort, parentPort } from 'node:worker_threads';
import type { Emitter, RunContext } from '../contract.ts';
import { NotOnnxError, readModelSignature } from '../onnx/model-signature.ts';
import type {
  Call,
  ErrorText,
  Notification,
  Reply,
  RunRequest,
  SignatureAnswer,
  SignatureRequest,
  ThreadMessage,
  ThreadRequest,
} from './messages.ts';

const errorText = (error: unknown): ErrorText => ({
  message: error instanceof Error ? error.message : String(error),
});

function emitterOver(port: MessagePort): Emitter {
  const send = (message: ThreadMessage) => port.postMessage(message);
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let next = 0;
  port.on('message', (data: Reply) => {
    const waiting = pending.get(data.id);
    pending.delete(data.id);
    if ('error' in data) waiting?.reject(new Error(data.error.message));
    else waiting?.resolve(data.value);
  });
  const notify =
    (method: Notification) =>
    (...args: unknown[]) =>
      send({ type: 'emit', method, args });
  const call =
    (method: Call) =>
    (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        send({ type: 'call', id, method, args });
      });
  return {
    progress: notify('progress'),
    log: notify('log'),
    metric: notify('metric'),
    finding: notify('finding'),
    artifact: notify('artifact'),
    datasetOutput: call('datasetOutput'),
    flushed: call('flushed'),
  } as Emitter;
}

async function run(request: RunRequest): Promise<void> {
  const { port } = request;
  try {
    const { computingRunners } = await import('../computing.ts');
    const runner = computingRunners.find((candidate) => candidate.id === request.runnerId);
    if (!runner) throw new Error(`no computing runner ${request.runnerId}`);
    const context: RunContext<unknown> = {
      runId: request.runId,
      inputs: request.inputs,
      config: request.config,
      seed: request.seed,
      // The hub stops the thread itself when the run is stopped.
      signal: new AbortController().signal,
      workDir: request.workDir,
      emit: emitterOver(port),
    };
    await runner.run(context);
    port.postMessage({ type: 'done' } satisfies ThreadMessage);
  } catch (error) {
    port.postMessage({ type: 'failed', error: errorText(error) } satisfies ThreadMessage);
  } finally {
    port.close();
  }
}

function readSignature({ path, port }: SignatureRequest): void {
  let answer: SignatureAnswer;
  try {
    answer = { type: 'signature', signature: readModelSignature(path) };
  } catch (error) {
    answer =
      error instanceof NotOnnxError
        ? { type: 'refused', problem: error.message }
        : { type: 'failed', error: errorText(error) };
  }
  port.postMessage(answer);
  port.close();
}

parentPort?.on('message', (request: ThreadRequest) => {
  if (request.type === 'model-signature') readSignature(request);
  else run(request);
});
