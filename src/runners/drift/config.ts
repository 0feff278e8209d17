// What a user can set for a drift check; the defaults suit a first comparison of two versions.
import { z } from 'zod';
import { batchSize, measuredSide } from '../images/config-fields.ts';
import { imageInputFields, normalisationFields } from '../onnx/input-config.ts';

/** How to run an image embedding model (only with an `embedding` model input). */
export const embeddingConfig = z
  .object({
    output: z
      .string()
      .optional()
      .describe(
        "The output holding the embedding, [N, D] (or [N, ...], flattened); the model's first by default.",
      ),
    ...imageInputFields,
    fit: z
      .enum(['fill', 'cover'])
      .default('fill')
      .describe(
        "'fill' stretches each image to the input size; 'cover' scales and crops the centre.",
      ),
    ...normalisationFields,
    batchSize: batchSize(1024, 16),
  })
  .strict();

export type EmbeddingConfig = z.output<typeof embeddingConfig>;

export const driftConfig = z
  .object({
    extractor: z
      .enum(['auto', 'image-statistics', 'embedding', 'table'])
      .default('auto')
      .describe(
        "What is compared: 'table' (the numeric columns of CSV / JSONL datasets), " +
          "'image-statistics' (each image's width, height, brightness, contrast and sharpness), " +
          "'embedding' (the output of the 'embedding' ONNX model input). 'auto' takes the table " +
          'for tables, else the embedding when a model is given, else image statistics.',
      ),
    features: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'The features to compare (table columns, or image statistics); by default every one ' +
          'both datasets have.',
      ),
    labelField: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The label column of a table; the dataset's metadata.labelField, else 'label', by default.",
      ),
    alpha: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.05)
      .describe('Significance level of every test, after correction for the per-feature tests.'),
    correction: z
      .enum(['holm', 'benjamini-hochberg'])
      .default('holm')
      .describe(
        'How p-values of the per-feature tests (KS and Cramér-von Mises for every feature, one ' +
          "family) are adjusted: 'holm' bounds the chance of any false alarm, " +
          "'benjamini-hochberg' the expected share of false alarms.",
      ),
    mmdPermutations: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(1000)
      .describe('Permutations of the MMD test on all features together; 0 skips it.'),
    mmdMaxRows: z
      .number()
      .int()
      .min(10)
      .max(2500)
      .default(1000)
      .describe(
        'Each side is subsampled (seeded) to at most this many rows for MMD, whose cost grows ' +
          'with the square of the rows.',
      ),
    maxSide: measuredSide('their statistics are'),
    embedding: embeddingConfig
      .prefault({})
      .describe('How to run the embedding model; ignored without one.'),
  })
  .strict();

export type DriftConfig = z.output<typeof driftConfig>;
