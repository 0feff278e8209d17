// What a user can set for a detection evaluation; the defaults suit a COCO results file, or an
// ONNX detector that outputs boxes, scores and labels in input pixels as xyxy.
import { z } from 'zod';
import { batchSize } from '../images/config-fields.ts';
import { imageInputFields, normalisationFields } from '../onnx/input-config.ts';

/** How to run an ONNX detector and read its outputs (ignored for a predictions file). */
export const detectorConfig = z
  .object({
    outputLayout: z
      .enum(['separate', 'combined'])
      .default('separate')
      .describe(
        "'separate': three outputs, boxes [B,K,4], scores [B,K] and labels [B,K] (the batch " +
          "dimension may be left out when the batch size is 1); 'combined': one output " +
          '[B,K,6] (or [K,6]) of rows x1 y1 x2 y2 score label, the box part in boxFormat.',
      ),
    boxesOutput: z.string().default('boxes').describe("The boxes output ('separate')."),
    scoresOutput: z.string().default('scores').describe("The scores output ('separate')."),
    labelsOutput: z
      .string()
      .default('labels')
      .describe("The class-labels output ('separate'); integer or whole-number floats."),
    detectionsOutput: z
      .string()
      .optional()
      .describe("The [B,K,6] output ('combined'); the model's first output when not set."),
    boxFormat: z
      .enum(['xyxy', 'xywh', 'cxcywh'])
      .default('xyxy')
      .describe(
        'How a box is given: corners (x1, y1, x2, y2), top-left corner and size, or centre and size.',
      ),
    coordinates: z
      .enum(['pixels', 'normalized'])
      .default('pixels')
      .describe(
        "'pixels' of the model's input image, or 'normalized' to 0..1 of its width and height; " +
          'either way boxes are mapped back to the original image size.',
      ),
    scoreThreshold: z
      .number()
      .min(0)
      .default(0.05)
      .describe('Detections scoring below this are dropped (0.05 as detectron2 evaluates).'),
    maxDetections: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(100)
      .describe('At most this many detections per image, the highest-scoring (COCO counts 100).'),
    labelMapping: z
      .union([
        z.enum(['category-order', 'category-id']),
        z.record(z.string().regex(/^\d+$/), z.number().int()),
      ])
      .default('category-order')
      .describe(
        "How a model label becomes a COCO category id: 'category-order' (label i is the i-th " +
          "category in ascending id order, as in YOLO exports), 'category-id' (labels are the ids, " +
          'as in torchvision models), or a map {"label": category id}; labels missing from a map ' +
          'are dropped (e.g. a background class).',
      ),
    ...imageInputFields,
    ...normalisationFields,
    batchSize: batchSize(256, 1),
  })
  .strict();

export type DetectorConfig = z.output<typeof detectorConfig>;

export const detectionConfig = z
  .object({
    annotationFile: z
      .string()
      .optional()
      .describe(
        'The ground-truth JSON in a COCO dataset folder, relative to it; found by itself when ' +
          'the folder holds annotations.json or a single instances*.json.',
      ),
    imagesFolder: z
      .string()
      .optional()
      .describe(
        "Where the images are, relative to the dataset folder (e.g. 'val2017'); by default the " +
          'folder itself or its images/ subfolder. Only an ONNX detector needs the images.',
      ),
    bootstrapResamples: z
      .number()
      .int()
      .max(10_000)
      // A 95% percentile interval from a handful of resamples is a point or worse.
      .refine((n) => n === 0 || n >= 50, 'must be 0 (no interval) or at least 50')
      .default(100)
      .describe(
        'Resamples of the images for a percentile confidence interval of AP; 0 for none, else at least 50. Each ' +
          'costs about a quarter of the evaluation (0.7 s for 5000 images of 100 detections).',
      ),
    confidenceLevel: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.95)
      .describe('The confidence level of the AP interval.'),
    weakClassRatio: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.5)
      .describe(
        'A class whose AP is below this fraction of the mean AP over classes is reported ' +
          '(finding CLASS_PERFORMANCE).',
      ),
    detector: detectorConfig
      .prefault({})
      .describe('How to run an ONNX detector; ignored for a predictions file.'),
  })
  .strict();

export type DetectionConfig = z.output<typeof detectionConfig>;
