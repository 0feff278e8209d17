// The lineage explorer's start: words looked up with the hub's search over models, datasets,
// workflows, runs and findings; a model's or dataset's versions are offered with it.
import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql/index.ts';
import { Failure } from '../parts/common.tsx';

const PickQuery = graphql(`
  query UiLineagePick($query: String!) {
    search(query: $query, first: 10) {
      edges {
        cursor
        node {
          type title
          node {
            __typename
            ... on Node { id }
            ... on Model { versions(first: 5) { edges { node { id version } } } }
            ... on Dataset { versions(first: 5) { edges { node { id version } } } }
          }
        }
      }
    }
  }
`);

/** A box to find a start node by its words, and the matches to choose from. */
export default function LineagePicker({ onPick }: { onPick: (id: string) => void }) {
  const [words, setWords] = useState('');
  const [{ data, error, fetching }] = useQuery({
    query: PickQuery,
    variables: { query: words },
    pause: words === '',
  });
  const hits = data?.search.edges ?? [];
  return (
    <section aria-label="Find a start">
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setWords(String(new FormData(e.currentTarget).get('words') ?? '').trim());
        }}
      >
        <label>
          Find a start{' '}
          <input
            name="words"
            type="search"
            size={40}
            placeholder="a model, dataset, run or finding"
          />
        </label>
        <button type="submit">Find</button>
      </form>
      <Failure error={error} />
      {words && !fetching && data && hits.length === 0 && <p>Nothing matches “{words}”.</p>}
      {hits.length > 0 && (
        <ul className="picks" aria-label="Matches">
          {hits.map(({ cursor, node: hit }) => {
            const item = hit.node;
            const versions = 'versions' in item ? item.versions.edges.map((e) => e.node) : [];
            return (
              <li key={cursor}>
                <span className="type">{hit.type}</span>{' '}
                <button
                  type="button"
                  className="link"
                  onClick={() => 'id' in item && onPick(String(item.id))}
                >
                  {hit.title}
                </button>
                {versions.length > 0 && (
                  <>
                    {' '}
                    versions:{' '}
                    {versions.map((v) => (
                      <button
                        key={v.id}
                        type="button"
                        className="link"
                        aria-label={`${hit.title}@${v.version}`}
                        onClick={() => onPick(v.id)}
                      >
                        {v.version}
                      </button>
                    ))}
                  </>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
