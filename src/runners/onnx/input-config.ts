// Config fields for an ONNX image model whose input shape may leave its size or layout open:
// the same fields, with the same meaning, wherever a runner feeds one.
import { z } from 'zod';
import { imageSide } from '../images/config-fields.ts';

/** Three numbers, one per image channel in tensor order (a mean, a standard deviation). */
const channelTriple = z.array(z.number()).length(3);

/** Input size and layout, each needed only when the model's input shape does not fix it. */
export const imageInputFields = {
  width: imageSide()
    .optional()
    .describe('Input width, needed only when the model does not fix it.'),
  height: imageSide()
    .optional()
    .describe('Input height, needed only when the model does not fix it.'),
  layout: z
    .enum(['NCHW', 'NHWC'])
    .optional()
    .describe("The input's layout, needed only when the model's shape does not tell."),
};

/** How pixels become an input tensor's values: channel order, then (v / 255 - mean) / std. */
export const normalisationFields = {
  channelOrder: z.enum(['RGB', 'BGR']).default('RGB').describe('The input channel order.'),
  mean: channelTriple
    .default([0, 0, 0])
    .describe('Per-channel mean subtracted after scaling pixels to 0..1, in tensor order.'),
  std: channelTriple
    .default([1, 1, 1])
    .describe('Per-channel divisor after subtracting the mean; [1/255]*3 for a 0..255 model.'),
};
