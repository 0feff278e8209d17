// The runner modules a process can execute: the built-in ones, and modules an ML engineer
// adds with EVALHUB_RUNNER_MODULES (files exporting a runner as default, or `runners`).
// Services reach the runners' threads through it too, to read a model's signature.
import { pathToFileURL } from 'node:url';
import type { RunnerModule } from './contract.ts';
import { readModelSignatureInThread, type SignatureReading } from './thread/model-signature.ts';

const ID_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;

export class RunnerRegistry {
  readonly #runners = new Map<string, RunnerModule>();

  constructor(runners: readonly RunnerModule[]) {
    for (const runner of runners) this.register(runner);
  }

  register(runner: RunnerModule): void {
    if (!ID_PATTERN.test(runner.id))
      throw new Error(`runner id ${JSON.stringify(runner.id)} is not a lowercase slug`);
    if (this.#runners.has(runner.id)) throw new Error(`two runners are called ${runner.id}`);
    this.#runners.set(runner.id, runner);
  }

  get(id: string): RunnerModule | undefined {
    return this.#runners.get(id);
  }

  list(): RunnerModule[] {
    return [...this.#runners.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * The signature of the ONNX model at `path` (inputs, outputs, opsets), read in a runner
   * thread off the event loop; a file that is not an ONNX model gives its `problem`.
   */
  modelSignature(path: string, signal?: AbortSignal): Promise<SignatureReading> {
    return readModelSignatureInThread(path, signal);
  }

  /** The (id, version) pairs this registry can execute. */
  executable(): Array<{ id: string; version: string }> {
    return this.list().map((runner) => ({ id: runner.id, version: runner.version }));
  }
}

function isRunner(value: unknown): value is RunnerModule {
  const candidate = value as RunnerModule | null;
  return Boolean(
    candidate && typeof candidate.id === 'string' && typeof candidate.run === 'function',
  );
}

/** Imports runner modules from files; each exports a runner as default, or an array `runners`. */
export async function loadRunnerModules(paths: readonly string[]): Promise<RunnerModule[]> {
  const loaded: RunnerModule[] = [];
  for (const path of paths) {
    const module = (await import(pathToFileURL(path).href)) as {
      default?: unknown;
      runners?: unknown;
    };
    const found = [module.default, ...(Array.isArray(module.runners) ? module.runners : [])].filter(
      isRunner,
    );
    if (!found.length)
      throw new Error(`${path} exports no runner (a default export, or an array named runners)`);
    loaded.push(...found);
  }
  return loaded;
}
