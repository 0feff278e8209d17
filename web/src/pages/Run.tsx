// One run: its live event log and progress, metrics with their 95% intervals, findings,
// artifacts, inputs with digests, configuration, the reproduce command, the report, and a
// workflow's steps.
import { useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql/index.ts';
import { Digest, Failure, Progress, Status, When } from '../parts/common.tsx';
import { EventLog, type LogLine } from '../parts/EventLog.tsx';
import { MetricChart } from '../parts/MetricChart.tsx';
import { ReproduceButton } from '../parts/ReproduceButton.tsx';
import { openHubFile } from '../session.ts';

const RunQuery = graphql(`
  query UiRun($id: ID!) {
    node(id: $id) {
      __typename
      ... on Run {
        id name status runnerId runnerVersion seed config environment createdBy runKey
        createdAt startedAt finishedAt durationMs tags reproduceCommand attempt maxAttempts
        project { slug }
        progress { fraction stage message }
        error { code message }
        parent { id name }
        workflowVersion { id number workflow { name } }
        inputs {
          role position
          version {
            __typename ... on Node { id } digest version uri
            ... on ModelVersion { model { name } }
            ... on DatasetVersion { dataset { name } }
          }
        }
        metrics { key value step slice ciLower ciUpper ciLevel sampleSize }
        findings { id kind severity status title summary }
        artifacts { id name mediaType digest sizeBytes url }
        children { id stepId status runnerId progress { fraction } startedAt finishedAt }
      }
    }
  }
`);

const RunEvents = graphql(`
  subscription UiRunEvents($runId: ID!) {
    runEvents(runId: $runId) {
      __typename seq at
      ... on RunLogEvent { level message }
      ... on RunStatusEvent { status reason }
      ... on RunProgressEvent { fraction stage progressMessage: message }
      ... on RunMetricEvent { metric { key value } }
      ... on RunFindingEvent { severity title }
      ... on RunArtifactEvent { name mediaType }
      ... on RunOutputEvent { name digest }
      ... on RunStepEvent { stepId status reason }
    }
  }
`);

function describe(event: Record<string, unknown>): LogLine {
  const e = event as Record<string, string | number | null | { key: string; value: number }>;
  const kinds: Record<string, () => [string, string]> = {
    RunLogEvent: () => [String(e.level), String(e.message)],
    RunStatusEvent: () => ['status', `${e.status}${e.reason ? `: ${e.reason}` : ''}`],
    RunProgressEvent: () => [
      'progress',
      [
        e.stage,
        e.fraction != null ? `${Math.round(Number(e.fraction) * 100)}%` : '',
        e.progressMessage,
      ]
        .filter(Boolean)
        .join(' '),
    ],
    RunMetricEvent: () => {
      const m = e.metric as { key: string; value: number };
      return ['metric', `${m.key} = ${m.value}`];
    },
    RunFindingEvent: () => ['finding', `${e.severity}: ${e.title}`],
    RunArtifactEvent: () => ['artifact', `${e.name} (${e.mediaType})`],
    RunOutputEvent: () => ['output', `${e.name} ${e.digest}`],
    RunStepEvent: () => ['step', `${e.stepId} ${e.status}${e.reason ? `: ${e.reason}` : ''}`],
  };
  const [kind, text] = kinds[String(e.__typename)]?.() ?? ['event', ''];
  return { seq: Number(e.seq), at: String(e.at), kind, text };
}

/** Events that change what the run's query shows. */
const REFRESHING = new Set([
  'RunStatusEvent',
  'RunFindingEvent',
  'RunArtifactEvent',
  'RunStepEvent',
]);

export default function RunPage({ id }: { id: string }) {
  const [{ data, error }, refetch] = useQuery({ query: RunQuery, variables: { id } });
  const [lines, setLines] = useState<LogLine[]>([]);
  const [live, setLive] = useState<{ fraction: number | null; stage: string | null } | null>(null);
  useSubscription(
    { query: RunEvents, variables: { runId: id } },
    (_previous: null | undefined, event) => {
      const e = event.runEvents as Record<string, unknown>;
      // A resubscription replays stored events: keep each sequence number once.
      const line = describe(e);
      setLines((previous) =>
        previous.length > 0 && previous[previous.length - 1]!.seq >= line.seq
          ? previous
          : [...previous, line],
      );
      if (e.__typename === 'RunProgressEvent')
        setLive({ fraction: e.fraction as number | null, stage: e.stage as string | null });
      if (REFRESHING.has(String(e.__typename))) refetch({ requestPolicy: 'network-only' });
      return null;
    },
  );
  const run = data?.node?.__typename === 'Run' ? data.node : null;
  if (error) return <Failure error={error} />;
  if (!data) return <p>Loading…</p>;
  if (!run) return <p>No run {id} (or not visible to you).</p>;
  const fraction = run.status === 'SUCCEEDED' ? 1 : (live?.fraction ?? run.progress?.fraction);
  return (
    <>
      <h1>
        {run.name ?? `${run.runnerId} run`} <Status value={run.status} />
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
        <dt>Runner</dt>
        <dd>
          {run.runnerId} {run.runnerVersion}
        </dd>
        <dt>Started by</dt>
        <dd>{run.createdBy}</dd>
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
        <dt>Attempt</dt>
        <dd>
          {run.attempt} of {run.maxAttempts}
        </dd>
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

      {run.children.length > 0 && (
        <section aria-labelledby="steps">
          <h2 id="steps">Steps</h2>
          <ol className="steps">
            {run.children.map((step) => (
              <li key={step.id} data-step={step.stepId}>
                <Link href={`/runs/${step.id}`}>{step.stepId}</Link> <Status value={step.status} />{' '}
                <span className="muted">{step.runnerId}</span>
              </li>
            ))}
          </ol>
        </section>
      )}

      <section aria-labelledby="log">
        <h2 id="log">Event log</h2>
        <EventLog lines={lines} />
      </section>

      <section aria-labelledby="metrics">
        <h2 id="metrics">Metrics</h2>
        {run.metrics.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <>
            <MetricChart metrics={run.metrics} />
            <table>
              <thead>
                <tr>
                  <th>Metric</th>
                  <th>Slice</th>
                  <th>Value</th>
                  <th>Interval</th>
                  <th>n</th>
                </tr>
              </thead>
              <tbody>
                {run.metrics.map((m) => (
                  <tr key={`${m.key}/${m.step}/${JSON.stringify(m.slice)}`}>
                    <td>{m.key}</td>
                    <td>{Object.keys(m.slice as object).length ? JSON.stringify(m.slice) : ''}</td>
                    <td>{m.value.toPrecision(4)}</td>
                    <td>
                      {m.ciLower != null && m.ciUpper != null
                        ? `${m.ciLower.toPrecision(4)} – ${m.ciUpper.toPrecision(4)} (${Math.round((m.ciLevel ?? 0.95) * 100)}%)`
                        : '—'}
                    </td>
                    <td>{m.sampleSize ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
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
        {run.artifacts.length === 0 && <p className="muted">None.</p>}
        <ul>
          {run.artifacts.map((a) => (
            <li key={a.id}>
              <button type="button" className="link" onClick={() => openHubFile(a.url, a.name)}>
                {a.name}
              </button>{' '}
              <span className="muted">
                {a.mediaType}, {a.sizeBytes} bytes
              </span>{' '}
              <Digest value={a.digest} />
            </li>
          ))}
        </ul>
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
