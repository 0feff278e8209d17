// Listing a page of 50 models, each with its project and newest 5 versions: the hub over
// HTTP against the same answer from hand-written SQL on the same database, in one run.
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../src/db/connect.ts';
import { newId } from '../src/db/ids.ts';
import { selectRows } from '../src/db/rows.ts';
import { models, modelVersions, projects } from '../src/db/schema.ts';
import { graphql } from '../test/gql/index.ts';
import { anchorBenchAuditChain } from './support/audit.ts';
import { startBenchHub } from './support/bench-hub.ts';
import { type BenchResult, ms, overFloor, timeInTurns } from './support/measure.ts';

const ModelsPage = graphql(`
  query BenchModelsPage {
    models(first: 50) {
      totalCount
      edges { node { id name project { slug } versions(first: 5) { totalCount edges { node { id version digest } } } } }
    }
  }
`);

const MODELS = 2000;
const VERSIONS_PER_MODEL = 5;

async function seed(database: DatabaseHandle) {
  const { db } = database;
  await anchorBenchAuditChain(db, 'registry listing');
  const projectRows = Array.from({ length: 20 }, (_, i) => ({
    id: newId(),
    slug: `p${i}`,
    name: `p${i}`,
  }));
  await db.insert(projects).values(projectRows);
  for (let start = 0; start < MODELS; start += 500) {
    const modelRows = Array.from({ length: 500 }, (_, i) => ({
      id: newId(),
      projectId: projectRows[(start + i) % 20]!.id,
      name: `model-${start + i}`,
      task: 'IMAGE_CLASSIFICATION',
    }));
    await db.insert(models).values(modelRows);
    await db.insert(modelVersions).values(
      modelRows.flatMap((model) =>
        Array.from({ length: VERSIONS_PER_MODEL }, (_, v) => ({
          id: newId(),
          modelId: model.id,
          version: `v${v + 1}`,
          uri: `s3://bench/${model.name}/v${v + 1}.onnx`,
          format: 'ONNX',
          digest: `sha256:${newId().replaceAll('-', '').padEnd(64, '0')}`,
          createdBy: 'bench',
        })),
      ),
    );
  }
  await db.execute(sql`analyze`);
}

/** The same answer the GraphQL query gives, as a client writing SQL would get it. */
async function rawListing(database: DatabaseHandle) {
  const page = await selectRows<{ id: string; name: string; slug: string }>(
    database.db,
    sql`select m.id, m.name, p.slug from models m join projects p on p.id = m.project_id
        order by m.created_at desc, m.id desc limit 51`,
  );
  const [count] = await selectRows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from models`,
  );
  const ids = page.slice(0, 50).map((row) => row.id);
  const versions = await selectRows<{ model_id: string; total: number; id: string }>(
    database.db,
    sql`select m.id as model_id, t.total, v.id, v.version, v.digest
        from models m
        cross join lateral (select count(*)::int as total from model_versions where model_id = m.id) t
        left join lateral (select * from model_versions where model_id = m.id
                           order by created_at desc, id desc limit 6) v on true
        where m.id in ${ids}`,
  );
  return { page, count, versions };
}

export async function benchRegistryListing(database: DatabaseHandle): Promise<BenchResult> {
  await seed(database);
  const client = await startBenchHub(database);
  try {
    const check = await client.request(ModelsPage, {});
    if (check.models.edges.length !== 50) throw new Error('the hub did not list 50 models');
    const statements = client.statements().length;
    const timings = await timeInTurns(
      {
        hub: () => client.request(ModelsPage, {}),
        raw: () => rawListing(database),
        ping: () => client.ping(),
        bare: () => client.bare(),
      },
      200,
    );
    return {
      name: `registry listing (${database.kind}, ${MODELS} models x ${VERSIONS_PER_MODEL} versions)`,
      figures: {
        'hub p50 / p95 (HTTP + GraphQL)': `${ms(timings.hub.p50)} / ${ms(timings.hub.p95)}`,
        'HTTP + GraphQL alone ({ __typename }) p50': ms(timings.ping.p50),
        'bare HTTP round trip p50': ms(timings.bare.p50),
        'raw SQL p50': ms(timings.raw.p50),
        'ratio hub / (raw SQL + bare round trip) (p50)': overFloor(
          timings.hub,
          timings.raw,
          timings.bare,
        ),
        'ratio hub / raw SQL (p50)': Number((timings.hub.p50 / timings.raw.p50).toFixed(2)),
        'SQL statements per request': statements,
      },
    };
  } finally {
    await client.close();
  }
}
