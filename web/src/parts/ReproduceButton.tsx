// Re-executes a run that succeeded (reproduceRun) and opens the new run, whose verdict
// (REPRODUCED or NOT_REPRODUCED) appears among its findings when it ends.
import { useMutation } from 'urql';
import { useLocation } from 'wouter';
import { graphql } from '../gql/index.ts';
import { Failure } from './common.tsx';

const ReproduceRun = graphql(`
  mutation UiReproduceRun($id: ID!) {
    reproduceRun(id: $id) {
      __typename
      ... on RunPayload { run { id } }
      ... on Error { message }
    }
  }
`);

export function ReproduceButton({ runId }: { runId: string }) {
  const [, navigate] = useLocation();
  const [result, reproduce] = useMutation(ReproduceRun);
  const outcome = result.data?.reproduceRun;
  return (
    <p>
      <button
        type="button"
        disabled={result.fetching}
        onClick={async () => {
          const done = await reproduce({ id: runId });
          const payload = done.data?.reproduceRun;
          if (payload?.__typename === 'RunPayload') navigate(`/runs/${payload.run.id}`);
        }}
      >
        Reproduce
      </button>{' '}
      <span className="muted">re-executes it on its inputs, checked against their digests</span>
      <Failure error={result.error} />
      {outcome && 'message' in outcome && (
        <span role="alert" className="error">
          {' '}
          {outcome.message}
        </span>
      )}
    </p>
  );
}
