// Config fields that mean the same in every runner that reads images: a side in pixels, the
// longest side images are scaled down to before they are measured, a batch size.
import { z } from 'zod';

/** The largest image side the hub decodes or resizes to. */
export const MAX_IMAGE_SIDE = 16384;

/** A width or height in pixels. */
export const imageSide = () => z.number().int().min(1).max(MAX_IMAGE_SIDE);

/** The longest side images are scaled down to before `what` is measured. */
export const measuredSide = (what: string) =>
  z
    .number()
    .int()
    .min(16)
    .max(MAX_IMAGE_SIDE)
    .default(1024)
    .describe(`Images are scaled down to this longest side before ${what} measured.`);

/** Images per inference call. */
export const batchSize = (
  max: number,
  fallback: number,
  description = 'Images per inference (the model fixes it when its batch dimension is fixed).',
) => z.number().int().min(1).max(max).default(fallback).describe(description);
