// Reading an ONNX model's signature in a runner thread, so that a registration's parsing
// never holds the event loop that answers the API.
import type { ModelSignature } from '../onnx/model-signature.ts';
import { converse } from './in-thread.ts';
import type { SignatureAnswer, SignatureRequest } from './messages.ts';

/** A model's signature, or why the file is not an ONNX model. */
export type SignatureReading = { signature: ModelSignature } | { problem: string };

/** Reads the ONNX model at `path` in a thread; a file that is not one gives its `problem`. */
export async function readModelSignatureInThread(
  path: string,
  signal?: AbortSignal,
): Promise<SignatureReading> {
  const answer = await converse<Exclude<SignatureAnswer, { type: 'failed' }>, SignatureAnswer>(
    (port): SignatureRequest => ({ type: 'model-signature', path, port }),
    signal,
    (message, settle) => {
      // A refusal is an answer: the thread is well and goes back to the idle ones.
      if (message.type === 'failed') settle({ error: new Error(message.error.message) });
      else settle({ value: message });
    },
  );
  return answer.type === 'refused' ? { problem: answer.problem } : { signature: answer.signature };
}
