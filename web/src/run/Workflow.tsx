// A workflow run's steps, as a graph with their live status and as a list, and the verdict on
// each of its requirements.
import { lazy, Suspense } from 'react';
import { Link } from 'wouter';
import { Status } from '../parts/common.tsx';
import type { SpecStep } from './StepGraph.tsx';
import type { StepStates } from './stepStatus.ts';
import { type SpecRequirement, Verdicts } from './Verdicts.tsx';

const StepGraph = lazy(() => import('./StepGraph.tsx'));

interface Spec {
  /** Each step, with the workflow input that fills each of its runner's inputs. */
  steps?: (SpecStep & { inputs?: Record<string, string> })[];
  requirements?: SpecRequirement[];
}

export function Workflow({
  spec,
  states,
  stepRuns,
  findings,
  datasets,
}: {
  spec: unknown;
  /** The workflow run's dataset versions, by input name. */
  datasets: ReadonlyMap<string, string>;
  /** Each step's status and run, live. */
  states: StepStates;
  /** The step runs, as the run's query last saw them. */
  stepRuns: readonly { id: string; stepId?: string | null; status: string; runnerId: string }[];
  findings: Parameters<typeof Verdicts>[0]['findings'];
}) {
  const { steps = [], requirements = [] } = (spec ?? {}) as Spec;
  // Child runs the spec does not name (a run imported with its steps): listed as they are.
  const unnamed = stepRuns.filter((r) => !steps.some((s) => s.id === r.stepId));
  return (
    <>
      <section aria-labelledby="steps">
        <h2 id="steps">Steps</h2>
        {steps.length > 0 && (
          <Suspense fallback={<p>Loading the graph…</p>}>
            <StepGraph steps={steps} states={states} />
          </Suspense>
        )}
        <ol className="steps">
          {steps.map((step) => {
            const state = states.get(step.id);
            return (
              <li key={step.id} data-step={step.id}>
                {state?.runId ? <Link href={`/runs/${state.runId}`}>{step.id}</Link> : step.id}{' '}
                <Status value={state?.status ?? 'PENDING'} />{' '}
                <span className="muted">
                  {step.runner}
                  {step.dependsOn?.length ? `, after ${step.dependsOn.join(', ')}` : ''}
                </span>
              </li>
            );
          })}
          {unnamed.map((run) => (
            <li key={run.id} data-step={run.stepId ?? run.id}>
              <Link href={`/runs/${run.id}`}>{run.stepId ?? 'step'}</Link>{' '}
              <Status value={(run.stepId && states.get(run.stepId)?.status) || run.status} />{' '}
              <span className="muted">{run.runnerId}</span>
            </li>
          ))}
        </ol>
      </section>
      {requirements.length > 0 && (
        <section aria-labelledby="verdicts">
          <h2 id="verdicts">Requirements</h2>
          <Verdicts
            requirements={requirements}
            findings={findings}
            datasetOf={(stepId) =>
              Object.values(steps.find((step) => step.id === stepId)?.inputs ?? {})
                .map((input) => datasets.get(input))
                .find((id) => id !== undefined)
            }
          />
        </section>
      )}
    </>
  );
}
