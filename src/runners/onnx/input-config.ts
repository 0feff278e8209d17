// Config fields for an ONNX image model whose input shape may leave its size or layout open:
// the same fields, with the same meaning, wherever a runner feeds one.
import { z } from 'zod';
import { imageSide } from '../images/config-fields.ts';

/** Three numbers, one per image channel in tensor order (a mean, a standard deviation). */
export const channelTriple = z.array(z.number()).length(3);

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
