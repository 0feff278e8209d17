// A workflow run's own events say when a step is queued and when it ends, not when a worker
// starts it: the status changes of the project's runs tell the page when one of its steps
// moves, so that the step graph shows a step running while it runs.
import { useSubscription } from 'urql';
import { graphql } from '../gql/index.ts';

const StepUpdates = graphql(`
  subscription UiStepUpdates($project: String!) {
    runUpdates(project: $project) { status run { id parent { id } } }
  }
`);

/** Calls `onChange` when a step of `runId` changes status, while `live`. */
export function useStepUpdates(
  project: string,
  runId: string,
  live: boolean,
  onChange: () => void,
): void {
  useSubscription(
    { query: StepUpdates, variables: { project }, pause: !live },
    (_previous: null | undefined, update) => {
      if (update.runUpdates.run.parent?.id === runId) onChange();
      return null;
    },
  );
}
