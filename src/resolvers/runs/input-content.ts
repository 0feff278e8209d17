// Whether a run's inputs still hold the content their versions recorded: each input is hashed
// again at its recorded location. A reproduction is checked when it is asked for (so a
// refusal changes nothing) and again by the worker just before the runner reads the inputs
// (so content changed while it waited in the queue is caught too).
import type { Queryable } from '../../db/rows.ts';
import type { ResolvedInput } from '../../runners/contract.ts';
import { digestPath } from '../content/digest.ts';
import { type Actor, mayAccessProject } from '../core/actor.ts';
import { NotFoundError } from '../core/errors.ts';
import { type CheckedInput, loadResolvedInputs } from './inputs.ts';
import { InputContentError } from './reproduction-errors.ts';

const isMissing = (error: unknown) =>
  ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');

/** Throws InputContentError for the first input that is gone, changed or unreadable. */
async function verifyInput(input: ResolvedInput, signal: AbortSignal | undefined): Promise<void> {
  const refusal = (state: InputContentError['state'], actualDigest: string | null) =>
    new InputContentError({
      role: input.role,
      kind: input.kind,
      versionId: input.id,
      ref: input.ref,
      uri: input.uri,
      state,
      recordedDigest: input.digest,
      actualDigest,
    });
  if (!input.localPath) throw refusal('UNREADABLE', null);
  let actual: string;
  try {
    actual = (await digestPath(input.localPath, { signal })).digest;
  } catch (error) {
    if (signal?.aborted) throw error;
    // Anything else in the way (no permission, a FIFO in place of a file) makes it unreadable.
    throw refusal(isMissing(error) ? 'GONE' : 'UNREADABLE', null);
  }
  if (actual !== input.digest) throw refusal('CHANGED', actual);
}

/**
 * Checks every input of run `runId` against its recorded digest, in role order; the inputs,
 * as checked inputs of a run that is to use them again.
 */
export async function verifyRunInputContent(
  db: Queryable,
  runId: string,
  options: {
    /** Who will use the inputs again: each must be a version they may see, as to start a run. */
    actor?: Actor | undefined;
    /** Stops the hashing (the request was abandoned, the run cancelled). */
    signal?: AbortSignal | undefined;
    /** The hub's content store (EVALHUB_STORE_DIR), where uploaded inputs are. */
    contentStore?: string | null | undefined;
  } = {},
): Promise<CheckedInput[]> {
  const { actor, signal } = options;
  const inputs = await loadResolvedInputs(db, runId, options.contentStore);
  const checked: CheckedInput[] = [];
  for (const role of Object.keys(inputs).sort())
    for (const [position, input] of inputs[role]!.entries()) {
      if (actor && !mayAccessProject(actor, input.ref.slice(0, input.ref.indexOf('/'))))
        throw new NotFoundError(
          input.kind === 'MODEL_VERSION' ? 'model version' : 'dataset version',
          `input ${role}`,
        );
      await verifyInput(input, signal);
      checked.push({
        role,
        position,
        kind: input.kind,
        versionId: input.id,
        digest: input.digest,
        format: input.format,
      });
    }
  return checked;
}
