// What a user can set for a dataset profile; the defaults flag what usually needs a look.
import { z } from 'zod';
import { measuredSide } from '../images/config-fields.ts';

export const profileConfig = z
  .object({
    nearDuplicateDistance: z
      .number()
      .int()
      .min(0)
      .max(32)
      .default(6)
      .describe(
        'Images whose 64-bit perceptual hashes differ in at most this many bits are near ' +
          'duplicates (unrelated photos differ in about 32).',
      ),
    maxImbalanceRatio: z
      .number()
      .min(1)
      .default(10)
      .describe(
        'Classes are imbalanced when the largest has more than this many times the items of the smallest.',
      ),
    minNormalizedEntropy: z
      .number()
      .min(0)
      .max(1)
      .default(0.75)
      .describe(
        'Classes are imbalanced when the entropy of their proportions is below this fraction of ' +
          'its maximum (1 is perfectly even; 0 disables the check).',
      ),
    outlierThreshold: z
      .number()
      .positive()
      .default(3.5)
      .describe(
        'An image is an outlier when its modified z-score (0.6745 (x - median) / MAD) of ' +
          'brightness, contrast, sharpness or size is beyond this (3.5, Iglewicz & Hoaglin).',
      ),
    maxListed: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(20)
      .describe(
        'At most this many images, groups or pairs are listed in a finding; profile.json has all.',
      ),
    maxSide: measuredSide('brightness, contrast and sharpness are'),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(64)
      .optional()
      .describe('Images read and measured at a time; the number of CPU cores by default.'),
  })
  .strict();
