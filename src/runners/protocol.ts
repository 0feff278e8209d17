// The events a program reports to the hub, one JSON object each: the command runner reads
// them from its program's stdout, and a run recorded from outside the hub sends them in
// batches (appendExternalRunEvents). docs/runner-protocol.md describes them for programs.
import { z } from 'zod';

const slice = z.record(z.string(), z.string());

/** An RFC 9110 token. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/**
 * A media type: it is sent back as the artifact's content-type header, so nothing else (no
 * line break, no control character) may be in it.
 */
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\\\x00-\\x1f\\x7f]*"))*$`,
);

/** The events a program may print, one per line. */
export const programEvent = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('progress'),
      fraction: z.number().min(0).max(1).optional(),
      stage: z.string().optional(),
      message: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('log'),
      level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
      message: z.string(),
    })
    .strict(),
  z
    .object({
      type: z.literal('metric'),
      key: z.string().min(1),
      value: z.number(),
      step: z.number().int().optional(),
      slice: slice.optional(),
      ci: z
        .object({ lower: z.number(), upper: z.number(), level: z.number().gt(0).lt(1) })
        .optional(),
      sampleSize: z.number().int().nonnegative().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('finding'),
      kind: z.string().min(1),
      severity: z.enum(['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']),
      title: z.string().min(1),
      summary: z.string().optional(),
      evidence: z.record(z.string(), z.unknown()).optional(),
      subjectRole: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('artifact'),
      name: z.string().min(1),
      mediaType: z
        .string()
        .max(255)
        .regex(MEDIA_TYPE, 'a media type is type/subtype, with optional ;name=value parameters'),
      path: z.string().optional(),
      text: z.string().optional(),
      base64: z.string().optional(),
    })
    .strict()
    .refine((a) => [a.path, a.text, a.base64].filter((x) => x !== undefined).length === 1, {
      message: 'an artifact gives exactly one of path, text or base64',
    }),
]);

export type ProgramEvent = z.infer<typeof programEvent>;
