// An ONNX model version is opened when it is registered: its signature (inputs, outputs,
// opsets) is recorded with it, and a file that is not an ONNX model is refused then, not
// when a run first uses it.
import type { ModelSignature } from '../../runners/onnx/model-signature.ts';
import type { ResolvedContent } from '../content/resolve.ts';
import type { ServiceContext } from '../core/context.ts';

/** The content registered as a model is not what its format says. */
export class ModelContentError extends Error {
  override name = 'ModelContentError';
  readonly format: string;
  readonly inputPath: string[];
  constructor(format: string, problem: string, inputPath: string[]) {
    super(`not an ${format} model: ${problem}`);
    this.format = format;
    this.inputPath = inputPath;
  }
}

/**
 * The signature of an ONNX model the hub can read (null for other formats, and for models
 * at a remote uri); ModelContentError when the file is not an ONNX model.
 */
export async function modelSignatureOf(
  ctx: ServiceContext,
  format: string,
  content: ResolvedContent,
  path: string[],
): Promise<ModelSignature | null> {
  if (format !== 'ONNX' || !content.localPath) return null;
  const reading = await ctx.runners.modelSignature(content.localPath, ctx.signal);
  if ('problem' in reading) throw new ModelContentError(format, reading.problem, path);
  return reading.signature;
}
