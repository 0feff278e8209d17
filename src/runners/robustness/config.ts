// The config of a robustness sweep: which perturbations at which severities, the metric that
// is swept, when a drop is a finding, and how the model is run (as evaluate-classification).
import { z } from 'zod';
import { RunnerInputError } from '../contract.ts';
import { intervalFields, modelRunFields } from '../evaluate-classification/config.ts';
import {
  checkPerturbation,
  PERTURBATIONS,
  type PerturbationKind,
} from '../images/perturbations.ts';

const KINDS = Object.keys(PERTURBATIONS) as [PerturbationKind, ...PerturbationKind[]];

/**
 * A quick first sweep: three levels of the common corruptions (14 perturbed copies), mild to
 * severe, in the ranges ImageNet-C and common augmentation libraries use.
 */
export const DEFAULT_PERTURBATIONS: Array<{ kind: PerturbationKind; severities: number[] }> = [
  { kind: 'gaussian-blur', severities: [1, 2, 4] },
  { kind: 'gaussian-noise', severities: [0.05, 0.1, 0.2] },
  { kind: 'brightness', severities: [0.5, 1.5] },
  { kind: 'contrast', severities: [0.5] },
  { kind: 'jpeg-quality', severities: [50, 20, 10] },
  { kind: 'rotation', severities: [10, 30] },
];

const perturbation = z
  .object({
    kind: z
      .enum(KINDS)
      .describe(
        'gaussian-blur (sigma in pixels), gaussian-noise (std on the 0..1 scale), brightness (factor), contrast (factor), jpeg-quality (1..100), rotation (degrees clockwise).',
      ),
    severities: z
      .array(z.number())
      .min(1)
      .max(20)
      .describe("The perturbation's parameter at each severity, mild to severe."),
  })
  .strict();

/** The robustness runner's config; severities are checked against each perturbation's range. */
export const robustnessConfig = z
  .object({
    perturbations: z
      .array(perturbation)
      .min(1)
      .max(20)
      .default(DEFAULT_PERTURBATIONS)
      .describe(
        'Perturbations and their severities; each (perturbation, severity) becomes a derived dataset version the model is evaluated on.',
      ),
    metric: z
      .enum(['accuracy', 'macro_f1'])
      .default('accuracy')
      .describe('The metric swept over the severities.'),
    dropThreshold: z
      .number()
      .gt(0)
      .max(1)
      .default(0.1)
      .describe(
        'A drop of the metric (absolute, from its clean value) larger than this at some severity raises a ROBUSTNESS finding.',
      ),
    ...modelRunFields,
    ...intervalFields,
  })
  .strict()
  .superRefine((config, context) => {
    const seen = new Set<string>();
    config.perturbations.forEach(({ kind, severities }, i) => {
      severities.forEach((severity, j) => {
        const path = ['perturbations', i, 'severities', j];
        try {
          checkPerturbation(kind, severity);
        } catch (error) {
          if (!(error instanceof RunnerInputError)) throw error;
          context.addIssue({ code: 'custom', message: error.message, path });
        }
        const name = `${kind}-${severity}`;
        if (seen.has(name)) {
          context.addIssue({
            code: 'custom',
            message: `${kind} ${severity} is listed twice`,
            path,
          });
        }
        seen.add(name);
      });
    });
  });

export type RobustnessConfig = z.output<typeof robustnessConfig>;
