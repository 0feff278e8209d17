// Findings: filtered by severity, kind, status and project; a maintainer triages one with
// a comment (kept in the hub's audit log).
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import type { FindingStatus, Severity } from '../gql/graphql.ts';
import { graphql } from '../gql/index.ts';
import {
  Failure,
  FINDING_STATUSES,
  Pager,
  SEVERITIES,
  Select,
  Status,
  useFilters,
  usePages,
  When,
} from '../parts/common.tsx';

const FindingsQuery = graphql(`
  query UiFindings($first: Int!, $after: String, $filter: SearchFilter) {
    findings(first: $first, after: $after, filter: $filter, orderBy: { field: CREATED_AT, direction: DESC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id kind severity status title summary createdAt run { id name runnerId project { slug } } } }
    }
  }
`);

const TriageFinding = graphql(`
  mutation UiTriageFinding($input: TriageFindingInput!) {
    triageFinding(input: $input) {
      __typename
      ... on TriageFindingPayload { finding { id status } }
      ... on Error { message }
    }
  }
`);

export default function Findings() {
  const [params, change] = useFilters();
  const text = (name: string) => (
    <label>
      {name[0]!.toUpperCase() + name.slice(1)}{' '}
      <input
        defaultValue={params.get(name) ?? ''}
        onBlur={(e) => change({ [name]: e.target.value.trim() })}
        onKeyDown={(e) => e.key === 'Enter' && change({ [name]: e.currentTarget.value.trim() })}
      />
    </label>
  );
  return (
    <>
      <h1>Findings</h1>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <Select
          label="Severity"
          value={params.get('severity') ?? ''}
          options={SEVERITIES}
          onChange={(severity) => change({ severity })}
        />
        <Select
          label="Status"
          value={params.get('status') ?? ''}
          options={FINDING_STATUSES}
          onChange={(status) => change({ status })}
        />
        {text('kind')}
        {text('project')}
        <label>
          Since{' '}
          <input
            type="date"
            defaultValue={params.get('since') ?? ''}
            onChange={(e) => change({ since: e.target.value })}
          />
        </label>
      </form>
      <FindingList key={params.toString()} params={params} />
    </>
  );
}

function FindingList({ params }: { params: URLSearchParams }) {
  const pages = usePages();
  const get = (name: string) => params.get(name);
  const filter = {
    ...(get('severity') ? { severity: [get('severity') as Severity] } : {}),
    ...(get('status') ? { findingStatus: [get('status') as FindingStatus] } : {}),
    ...(get('kind') ? { kind: [get('kind')!] } : {}),
    ...(get('project') ? { project: [get('project')!] } : {}),
    ...(get('since') ? { createdAfter: new Date(get('since')!).toISOString() } : {}),
  };
  const [{ data, error }] = useQuery({
    query: FindingsQuery,
    variables: { first: 20, after: pages.after, filter },
  });
  const findings = data?.findings;
  return (
    <section aria-label="Findings">
      <Failure error={error} />
      <ul className="cards">
        {findings?.edges.map(({ node: f }) => (
          <li key={f.id} data-finding={f.id}>
            <h2>
              <Status value={f.severity} /> {f.title}
            </h2>
            <p>{f.summary}</p>
            <p className="muted">
              {f.kind} · {f.run.project.slug} · <When at={f.createdAt} /> ·{' '}
              <Link href={`/runs/${f.run.id}`}>{f.run.name ?? `${f.run.runnerId} run`}</Link> ·{' '}
              <Link href={`/lineage?id=${encodeURIComponent(f.id)}`}>trace</Link>
            </p>
            <Triage id={f.id} status={f.status} title={f.title} />
          </li>
        ))}
      </ul>
      {findings && findings.totalCount === 0 && <p>No findings match.</p>}
      {findings && (
        <Pager
          pages={pages}
          hasNext={findings.pageInfo.hasNextPage}
          endCursor={findings.pageInfo.endCursor}
          total={findings.totalCount}
        />
      )}
    </section>
  );
}

function Triage({ id, status, title }: { id: string; status: FindingStatus; title: string }) {
  const [next, setNext] = useState<FindingStatus>(status);
  const [comment, setComment] = useState('');
  const [result, triage] = useMutation(TriageFinding);
  const outcome = result.data?.triageFinding;
  return (
    <form
      className="triage"
      aria-label={`triage ${title}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const done = await triage({ input: { finding: id, status: next, comment } });
        if (done.data?.triageFinding.__typename === 'TriageFindingPayload') setComment('');
      }}
    >
      <span>
        Status: <Status value={status} />
      </span>
      <label>
        Set to{' '}
        <select value={next} onChange={(e) => setNext(e.target.value as FindingStatus)}>
          {FINDING_STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <label>
        Comment <input required value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <button type="submit" disabled={result.fetching}>
        Triage
      </button>
      <Failure error={result.error} />
      {outcome && 'message' in outcome && (
        <span role="alert" className="error">
          {outcome.message}
        </span>
      )}
    </form>
  );
}
