// A workflow run's stream says when a step is queued and when it ends, and a step that emits
// is running; a step that starts silently is seen only in the status changes of its project's
// runs, which also name each step's run.
import { useState } from 'react';
import { useSubscription } from 'urql';
import { graphql } from '../gql/index.ts';
import { advanceStep, type StepStates } from './stepStatus.ts';

const StepUpdates = graphql(`
  subscription UiStepUpdates($project: String!) {
    runUpdates(project: $project) { status run { id stepId parent { id } } }
  }
`);

/** The steps of `runId` as its project's run updates show them, while `live`. */
export function useStepUpdates(project: string, runId: string, live: boolean): StepStates {
  const [steps, setSteps] = useState<StepStates>(new Map());
  useSubscription(
    { query: StepUpdates, variables: { project }, pause: !live },
    (_previous: null | undefined, { runUpdates: { status, run } }) => {
      if (run.parent?.id === runId && run.stepId)
        setSteps((known) => advanceStep(known, run.stepId!, status, run.id));
      return null;
    },
  );
  return steps;
}
