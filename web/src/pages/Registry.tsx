// The registry: models and datasets with their versions (digest; a dataset's as its
// derived-from tree), each version linking to its lineage and to the runs that used it;
// models compared on a dataset.
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql/index.ts';
import { Digest, Failure, When } from '../parts/common.tsx';
import { derivationTree } from './derivation-tree.ts';
import { RankModels } from './RankModels.tsx';

const RegistryQuery = graphql(`
  query UiRegistry {
    models(first: 100) {
      totalCount
      edges { node { id name task description tags project { slug }
        versions(first: 20) { totalCount edges { node { id version digest format createdAt createdBy createdByName } } } } }
    }
    datasets(first: 100) {
      totalCount
      edges { node { id name task description tags project { slug }
        versions(first: 20) { totalCount edges { node { id version digest format itemCount createdAt createdBy createdByName
          derivedFrom { id version dataset { name } } } } } } }
    }
    workflows(first: 100) {
      totalCount
      edges { node { id name description project { slug } latestVersion { id number digest createdAt } } }
    }
  }
`);

export default function Registry() {
  const [{ data, error }] = useQuery({ query: RegistryQuery });
  return (
    <>
      <h1>Registry</h1>
      <Failure error={error} />
      <section aria-labelledby="models">
        <h2 id="models">Models ({data?.models.totalCount ?? '…'})</h2>
        {data?.models.edges.map(({ node: m }) => (
          <article key={m.id} className="entry">
            <h3>
              {m.project.slug}/{m.name} <span className="muted">{m.task}</span>
            </h3>
            {m.description && <p>{m.description}</p>}
            <table>
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Format</th>
                  <th>Digest</th>
                  <th>Registered</th>
                  <th>Runs</th>
                </tr>
              </thead>
              <tbody>
                {m.versions.edges.map(({ node: v }) => (
                  <tr key={v.id}>
                    <td>
                      <Link href={`/lineage?id=${encodeURIComponent(v.id)}`}>{v.version}</Link>
                    </td>
                    <td>{v.format}</td>
                    <td>
                      <Digest value={v.digest} />
                    </td>
                    <td>
                      <When at={v.createdAt} /> by {v.createdByName}
                    </td>
                    <td>
                      <RunsThatUsed version={v} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </article>
        ))}
      </section>
      <section aria-labelledby="datasets">
        <h2 id="datasets">Datasets ({data?.datasets.totalCount ?? '…'})</h2>
        {data?.datasets.edges.map(({ node: d }) => (
          <article key={d.id} className="entry">
            <h3>
              {d.project.slug}/{d.name} <span className="muted">{d.task}</span>
            </h3>
            {d.description && <p>{d.description}</p>}
            <table>
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Items</th>
                  <th>Digest</th>
                  <th>Derived from</th>
                  <th>Registered</th>
                  <th>Runs</th>
                </tr>
              </thead>
              <tbody>
                {derivationTree(d.versions.edges.map((e) => e.node)).map(([v, depth]) => (
                  <tr key={v.id} data-depth={depth}>
                    <td style={{ paddingLeft: `${depth * 1.2 + 0.4}rem` }}>
                      {depth > 0 && <span aria-hidden="true">↳ </span>}
                      <Link href={`/lineage?id=${encodeURIComponent(v.id)}`}>{v.version}</Link>
                    </td>
                    <td>{v.itemCount ?? ''}</td>
                    <td>
                      <Digest value={v.digest} />
                    </td>
                    <td>
                      {v.derivedFrom && (
                        <Link href={`/lineage?id=${encodeURIComponent(v.derivedFrom.id)}`}>
                          {v.derivedFrom.dataset.name}@{v.derivedFrom.version}
                        </Link>
                      )}
                    </td>
                    <td>
                      <When at={v.createdAt} /> by {v.createdByName}
                    </td>
                    <td>
                      <RunsThatUsed version={v} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </article>
        ))}
      </section>
      {data && (
        <RankModels
          models={data.models.edges.map(({ node: m }) => m.id)}
          datasetVersions={data.datasets.edges.flatMap(({ node: d }) =>
            d.versions.edges.map(({ node: v }) => ({
              id: v.id,
              label: `${d.project.slug}/${d.name}@${v.version}`,
            })),
          )}
        />
      )}
      <section aria-labelledby="workflows">
        <h2 id="workflows">Workflows ({data?.workflows.totalCount ?? '…'})</h2>
        <ul>
          {data?.workflows.edges.map(({ node: w }) => (
            <li key={w.id}>
              {w.project.slug}/{w.name}
              {w.latestVersion && (
                <>
                  {' '}
                  v{w.latestVersion.number} <Digest value={w.latestVersion.digest} />{' '}
                  <Link href={`/start?workflow=${encodeURIComponent(w.latestVersion.id)}`}>
                    start
                  </Link>
                </>
              )}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

/** The link to the runs list filtered to the runs that took `version`. */
function RunsThatUsed({ version }: { version: { id: string; version: string } }) {
  return (
    <Link
      href={`/runs?used=${encodeURIComponent(version.id)}`}
      aria-label={`runs that used ${version.version}`}
    >
      runs
    </Link>
  );
}
