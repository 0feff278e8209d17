// One run: its live event log and progress, metrics with their 95% intervals, findings,
// artifacts, inputs with digests, configuration, the reproduce command, the report, and a
// workflow's steps.
import { useEffect, useRef } from 'react';
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql/index.ts';
import { Digest, Failure, Progress, Status, When } from '../parts/common.tsx';
import { EventLog } from '../parts/EventLog.tsx';
import { ReproduceButton } from '../parts/ReproduceButton.tsx';
import { Artifacts } from '../run/Artifacts.tsx';
import { Results } from '../run/Results.tsx';
import { ENDED, mergeSteps } from '../run/stepStatus.ts';
import { useAllMetrics } from '../run/useAllMetrics.ts';
import { useRunEvents } from '../run/useRunEvents.ts';
import { useStepUpdates } from '../run/useStepUpdates.ts';
import { Workflow } from '../run/Workflow.tsx';
import { openHubFile } from '../session.ts';

const RunQuery = graphql(`
  query UiRun($id: ID!) {
    node(id: $id) {
      __typename
      ... on Run {
        id name status runnerId runnerVersion seed config environment createdBy createdByName runKey
        createdAt startedAt finishedAt durationMs tags reproduceCommand attempt maxAttempts
        project { slug }
        progress { fraction stage message }
        error { code message }
        parent { id name }
        workflowVersion { id number spec workflow { name } }
        inputs {
          role position
          version {
            __typename ... on Node { id } digest version uri
            ... on ModelVersion { model { name } }
            ... on DatasetVersion { dataset { name } }
          }
        }
        metrics(first: 500) {
          pageInfo { hasNextPage endCursor }
          edges { node { key value step slice ciLower ciUpper ciLevel sampleSize } }
        }
        findings { id kind severity status title summary requirement evidence }
        artifacts { id name mediaType digest sizeBytes url }
        children { id stepId status runnerId progress { fraction } startedAt finishedAt }
      }
    }
  }
`);

export default function RunPage({ id }: { id: string }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: RunQuery, variables: { id } });
  // One request at a time: the answers of two in flight can come back in either order, the
  // older last, and leave the page showing the run as it was before it ended.
  const refreshWanted = useRef(false);
  const refresh = () => {
    if (fetching) refreshWanted.current = true;
    else refetch({ requestPolicy: 'network-only' });
  };
  useEffect(() => {
    if (fetching || !refreshWanted.current) return;
    refreshWanted.current = false;
    refetch({ requestPolicy: 'network-only' });
  }, [fetching, refetch]);
  const { lines, live, steps: streamed } = useRunEvents(id, refresh);
  const run = data?.node?.__typename === 'Run' ? data.node : null;
  const updated = useStepUpdates(
    run?.project.slug ?? '',
    id,
    run?.runnerId === 'workflow' && !ENDED.has(run.status),
  );
  const metrics = useAllMetrics(id, run?.metrics);
  if (error) return <Failure error={error} />;
  if (!data) return <p>Loading…</p>;
  if (!run) return <p>No run {id} (or not visible to you).</p>;
  const fraction = run.status === 'SUCCEEDED' ? 1 : (live?.fraction ?? run.progress?.fraction);
  return (
    <>
      <h1>
        {run.name ?? `${run.workflowVersion?.workflow.name ?? run.runnerId} run`}{' '}
        <Status value={run.status} />
      </h1>
      <p>
        <Progress fraction={fraction} label="run progress" /> {live?.stage ?? run.progress?.stage}
        {run.error && (
          <span className="error">
            {' '}
            {run.error.code}: {run.error.message}
          </span>
        )}
      </p>
      <dl className="facts">
        <dt>Project</dt>
        <dd>{run.project.slug}</dd>
        {run.runnerId !== 'workflow' && (
          <>
            <dt>Runner</dt>
            <dd>
              {run.runnerId} {run.runnerVersion}
            </dd>
          </>
        )}
        <dt>Started by</dt>
        <dd title={run.createdBy}>{run.createdByName}</dd>
        <dt>Started</dt>
        <dd>
          <When at={run.startedAt} />
        </dd>
        <dt>Ended</dt>
        <dd>
          <When at={run.finishedAt} />
        </dd>
        <dt>Seed</dt>
        <dd>{run.seed}</dd>
        {run.runnerId !== 'workflow' && (
          <>
            <dt>Attempt</dt>
            <dd>
              {run.attempt} of {run.maxAttempts}
            </dd>
          </>
        )}
        {run.parent && (
          <>
            <dt>Part of</dt>
            <dd>
              <Link href={`/runs/${run.parent.id}`}>{run.parent.name ?? 'workflow run'}</Link>
            </dd>
          </>
        )}
        {run.workflowVersion && (
          <>
            <dt>Workflow</dt>
            <dd>
              {run.workflowVersion.workflow.name} v{run.workflowVersion.number}
            </dd>
          </>
        )}
      </dl>
      <p className="actions">
        <button
          type="button"
          onClick={() => openHubFile(`/api/v1/runs/${run.id}/report?format=html`)}
        >
          Open the report (HTML)
        </button>
        <button
          type="button"
          onClick={() =>
            openHubFile(`/api/v1/runs/${run.id}/report?format=pdf`, `report-${run.id}.pdf`)
          }
        >
          Download the report (PDF)
        </button>
        <Link href={`/lineage?id=${encodeURIComponent(run.id)}`}>Lineage</Link>
      </p>

      {(run.children.length > 0 || run.runnerId === 'workflow') && (
        <Workflow
          spec={run.runnerId === 'workflow' ? run.workflowVersion?.spec : null}
          states={mergeSteps(
            new Map(
              run.children.flatMap((c) =>
                c.stepId ? [[c.stepId, { status: c.status, runId: c.id }] as const] : [],
              ),
            ),
            streamed,
            updated,
          )}
          stepRuns={run.children}
          findings={run.findings}
          datasets={
            new Map(
              run.inputs.flatMap(({ role, version }) =>
                version?.__typename === 'DatasetVersion' ? [[role, version.id] as const] : [],
              ),
            )
          }
        />
      )}

      <section aria-labelledby="log">
        <h2 id="log">Event log</h2>
        <EventLog lines={lines} />
      </section>

      <section aria-labelledby="metrics">
        <h2 id="metrics">Metrics</h2>
        <Results metrics={metrics.metrics} />
        {!metrics.complete && !metrics.error && <p className="muted">Reading more metrics…</p>}
        {metrics.error && <p className="error">Some metrics could not be read: {metrics.error}</p>}
      </section>

      <section aria-labelledby="findings">
        <h2 id="findings">Findings</h2>
        {run.findings.length === 0 && <p className="muted">None.</p>}
        <ul>
          {run.findings.map((f) => (
            <li key={f.id}>
              <Status value={f.severity} /> {f.title} <span className="muted">({f.status})</span>{' '}
              <Link href={`/lineage?id=${encodeURIComponent(f.id)}`}>trace</Link>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="artifacts">
        <h2 id="artifacts">Artifacts</h2>
        <Artifacts artifacts={run.artifacts} />
      </section>

      <section aria-labelledby="inputs">
        <h2 id="inputs">Inputs</h2>
        {run.inputs.length === 0 && <p className="muted">None.</p>}
        <ul>
          {run.inputs.map((input) => (
            <li key={`${input.role}/${input.position}`}>
              {input.role}:{' '}
              {input.version && (
                <>
                  <Link
                    href={`/lineage?id=${encodeURIComponent('id' in input.version ? String(input.version.id) : '')}`}
                  >
                    {'model' in input.version
                      ? input.version.model.name
                      : 'dataset' in input.version
                        ? input.version.dataset.name
                        : ''}
                    @{input.version.version}
                  </Link>{' '}
                  <Digest value={input.version.digest} />
                </>
              )}
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="reproduce">
        <h2 id="reproduce">Reproduce</h2>
        {run.status === 'SUCCEEDED' && <ReproduceButton runId={run.id} />}
        <pre className="command">{run.reproduceCommand}</pre>
      </section>

      <details>
        <summary>Configuration and environment</summary>
        <h3>Config</h3>
        <pre>{JSON.stringify(run.config, null, 2)}</pre>
        <h3>Environment</h3>
        <pre>{JSON.stringify(run.environment, null, 2)}</pre>
        <p>
          Run key <code>{run.runKey}</code>
        </p>
      </details>
    </>
  );
}
