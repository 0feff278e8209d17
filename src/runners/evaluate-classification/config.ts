// The config fields evaluate-classification shares with the runners that re-evaluate a model
// (robustness): how images become model inputs, and how confidence intervals are drawn.
import { z } from 'zod';
import { batchSize, imageSide } from '../images/config-fields.ts';

/** How images are turned into the model's input tensor. */
export const preprocessingSchema = z
  .object({
    width: imageSide()
      .optional()
      .describe(
        "Width images are resized to; by default the model's input width (from its ONNX input shape, else its metadata.inputSize).",
      ),
    height: imageSide()
      .optional()
      .describe(
        "Height images are resized to; by default the model's input height (from its ONNX input shape, else its metadata.inputSize).",
      ),
    fit: z
      .enum(['fill', 'cover'])
      .default('fill')
      .describe(
        "'fill' stretches each image to the size; 'cover' scales it to cover the size and crops the centre.",
      ),
    kernel: z
      .enum(['nearest', 'linear', 'cubic', 'lanczos3'])
      .default('linear')
      .describe(
        "Resampling filter when resizing (libvips'); 'linear' is bilinear like PIL's, but not pixel-identical (about 2 levels of 255 apart on average; JPEGs are shrunk while decoding, and embedded colour profiles are applied).",
      ),
    channelOrder: z
      .enum(['RGB', 'BGR'])
      .default('RGB')
      .describe("Channel order the model expects; 'BGR' for OpenCV / Caffe models."),
    layout: z
      .enum(['NCHW', 'NHWC'])
      .optional()
      .describe(
        "Where the model wants the channels; only needed when the model's input shape does not tell.",
      ),
    mean: z
      .array(z.number())
      .length(3)
      .optional()
      .describe(
        "Per-channel mean subtracted after scaling pixels to [0, 1] (e.g. ImageNet's [0.485, 0.456, 0.406]); by default the model's metadata.mean, else none.",
      ),
    std: z
      .array(z.number().positive())
      .length(3)
      .optional()
      .describe(
        "Per-channel standard deviation divided by after the mean (e.g. ImageNet's [0.229, 0.224, 0.225]); by default the model's metadata.std, else none.",
      ),
  })
  .strict();

export type PreprocessingConfig = z.output<typeof preprocessingSchema>;

/** Config fields for running an image model: preprocessing, batch size and output kind. */
export const modelRunFields = {
  preprocessing: preprocessingSchema
    .prefault({})
    .describe(
      "How images become model inputs. By default: resized to the model's input size and scaled to [0, 1], normalised only when this config or the model's metadata gives mean / std.",
    ),
  batchSize: batchSize(
    4096,
    32,
    'Images per inference call; the next batch is decoded while the model runs.',
  ),
  outputs: z
    .enum(['auto', 'logits', 'probabilities'])
    .default('auto')
    .describe(
      "What the model's scores are: 'logits' get a softmax, 'probabilities' are used as they are, 'auto' treats them as probabilities when every row sums to 1.",
    ),
};

/** Config fields for the bootstrap confidence intervals. */
export const intervalFields = {
  bootstrapResamples: z
    .number()
    .int()
    .min(10)
    .max(100_000)
    .default(1000)
    .describe('Bootstrap resamples of the items behind each confidence interval.'),
  confidenceLevel: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.95)
    .describe('Confidence level of the intervals.'),
};
