// The workflow spec language: steps (each a runner with its config and inputs, ordered by
// dependencies) and the requirements checked after each step.
import { z } from 'zod';
import { ValidationError, zodIssueToValidationError } from '../core/errors.ts';

const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, _ and -');

export const requirementOps = ['>=', '>', '<=', '<', '=='] as const;

const requirement = z
  .object({
    id: identifier.optional(),
    description: z.string().optional(),
    /** The step whose metrics are checked; every step that reports the metric when absent. */
    step: identifier.optional(),
    metric: z.string().min(1),
    op: z.enum(requirementOps),
    threshold: z.number(),
    /** Checks the values whose slice labels include these; the whole-data value when absent. */
    slice: z.record(z.string(), z.string()).optional(),
    severity: z.enum(['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).default('HIGH'),
  })
  .strict();

const step = z
  .object({
    id: identifier,
    runner: z.string().min(1),
    description: z.string().optional(),
    config: z.record(z.string(), z.unknown()).default({}),
    /** The step's input roles, each bound to one of the workflow's inputs by name. */
    inputs: z.record(z.string(), identifier).default({}),
    dependsOn: z.array(identifier).default([]),
  })
  .strict();

const workflowInput = z
  .object({
    name: identifier,
    kind: z.enum(['MODEL_VERSION', 'DATASET_VERSION']),
    description: z.string().optional(),
  })
  .strict();

export const workflowSpecSchema = z
  .object({
    inputs: z.array(workflowInput).default([]),
    steps: z.array(step).min(1, 'a workflow has at least one step'),
    requirements: z.array(requirement).default([]),
  })
  .strict();

export type WorkflowSpec = z.infer<typeof workflowSpecSchema>;
export type WorkflowStep = WorkflowSpec['steps'][number];
export type Requirement = WorkflowSpec['requirements'][number];

/** Parses a spec, applying defaults, and checks that it describes a runnable graph of steps. */
export function parseWorkflowSpec(value: unknown, path: string[]): WorkflowSpec {
  const parsed = workflowSpecSchema.safeParse(value);
  if (!parsed.success) throw zodIssueToValidationError(parsed.error, path);
  const spec = parsed.data;
  const steps = new Map(spec.steps.map((s) => [s.id, s]));
  if (steps.size !== spec.steps.length)
    throw new ValidationError('step ids must be unique', [...path, 'steps']);
  const inputNames = new Set(spec.inputs.map((i) => i.name));
  if (inputNames.size !== spec.inputs.length) {
    throw new ValidationError('input names must be unique', [...path, 'inputs']);
  }
  spec.steps.forEach((s, i) => {
    for (const dependency of s.dependsOn) {
      if (!steps.has(dependency)) {
        throw new ValidationError(`step ${s.id} depends on unknown step ${dependency}`, [
          ...path,
          'steps',
          String(i),
          'dependsOn',
        ]);
      }
    }
    for (const [role, input] of Object.entries(s.inputs)) {
      if (!inputNames.has(input)) {
        throw new ValidationError(`step ${s.id} binds ${role} to unknown workflow input ${input}`, [
          ...path,
          'steps',
          String(i),
          'inputs',
          role,
        ]);
      }
    }
  });
  spec.requirements.forEach((r, i) => {
    if (r.step && !steps.has(r.step)) {
      throw new ValidationError(`requirement on unknown step ${r.step}`, [
        ...path,
        'requirements',
        String(i),
        'step',
      ]);
    }
  });
  const cycle = findCycle(spec.steps);
  if (cycle)
    throw new ValidationError(`steps depend on each other in a cycle: ${cycle.join(' -> ')}`, [
      ...path,
      'steps',
    ]);
  return spec;
}

function findCycle(steps: WorkflowStep[]): string[] | null {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const trail: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'visiting');
    trail.push(id);
    for (const dependency of byId.get(id)!.dependsOn) {
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(id, 'done');
    return null;
  };
  for (const s of steps) {
    const cycle = visit(s.id);
    if (cycle) return cycle;
  }
  return null;
}
