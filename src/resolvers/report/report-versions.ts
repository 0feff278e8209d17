// What the reported runs used and generated: each model and dataset version with its
// digest and where it came from, and every dataset version those were derived from (or the
// models trained on), to the root. Two statements, however many runs and versions.
import { sql } from 'drizzle-orm';
import { type Queryable, selectRows, textArray } from '../../db/rows.ts';
import { type Actor, mayAccessProject } from '../core/actor.ts';

export type VersionKind = 'MODEL_VERSION' | 'DATASET_VERSION';

export interface VersionFacts {
  id: string;
  kind: VersionKind;
  /** "project/name@version". */
  ref: string;
  /** "project/name". */
  entry: string;
  digest: string;
  format: string;
  uri: string;
  sizeBytes: number | null;
  itemCount: number | null;
  createdBy: string;
  createdAt: Date;
  /** WAS_DERIVED_FROM, for a dataset version. */
  derivedFromId: string | null;
  transform: unknown;
  /** TRAINED_ON, for a model version: dataset version ids. */
  trainedOn: string[];
  /** An ONNX model version's inputs and outputs, read when it was registered. */
  signature: ReportedSignature | null;
}

/** An ONNX model's input or output, as its registration recorded it. */
export interface SignatureValue {
  name: string;
  elementType: string;
  /** One entry per dimension; null when the model does not declare the rank. */
  shape: string[] | null;
}

/** What an ONNX model takes and gives (the part of its recorded signature a report shows). */
export interface ReportedSignature {
  inputs: SignatureValue[];
  outputs: SignatureValue[];
}

export interface VersionLink {
  runId: string;
  /** USED (an input, by role) or GENERATED (an output, by name). */
  relation: 'USED' | 'GENERATED';
  role: string;
  position: number;
  kind: VersionKind;
  /** Null when the version is in a project the actor cannot see. */
  version: VersionFacts | null;
}

interface VersionRow {
  id: string;
  is_model: boolean;
  project: string;
  name: string;
  version: string;
  digest: string;
  format: string;
  uri: string;
  size_bytes: number | null;
  item_count: number | null;
  created_by: string;
  created_at: string;
  derived_from_id: string | null;
  transform: unknown;
  trained_on: string[] | null;
  signature: ReportedSignature | null;
}

// The columns of a version row, whichever kind it is: `m` and `md` are a model version and
// its model, `d` and `dd` a dataset version and its dataset (one pair is null).
const versionColumns = sql.raw(`
  coalesce(m.id, d.id)::text as id, m.id is not null as is_model, p.slug as project,
  coalesce(md.name, dd.name) as name, coalesce(m.version, d.version) as version,
  coalesce(m.digest, d.digest) as digest, coalesce(m.format, d.format) as format,
  coalesce(m.uri, d.uri) as uri, coalesce(m.size_bytes, d.size_bytes)::float8 as size_bytes,
  d.item_count, coalesce(m.created_by, d.created_by) as created_by,
  to_char(coalesce(m.created_at, d.created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
  d.derived_from_id::text as derived_from_id, d.transform,
  case when m.id is null then null else array(
    select t.dataset_version_id::text from model_training_data t
    where t.model_version_id = m.id order by 1) end as trained_on, m.signature`);

function facts(row: VersionRow, actor: Actor): VersionFacts | null {
  if (!mayAccessProject(actor, row.project)) return null;
  const entry = `${row.project}/${row.name}`;
  return {
    id: row.id,
    kind: row.is_model ? 'MODEL_VERSION' : 'DATASET_VERSION',
    ref: `${entry}@${row.version}`,
    entry,
    digest: row.digest,
    format: row.format,
    uri: row.uri,
    sizeBytes: row.size_bytes,
    itemCount: row.item_count,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    derivedFromId: row.derived_from_id,
    transform: row.transform,
    trainedOn: row.trained_on ?? [],
    signature: row.signature,
  };
}

/** The inputs of `usedBy` runs and the outputs of `generatedBy` runs. */
export async function loadVersionLinks(
  db: Queryable,
  actor: Actor,
  usedBy: readonly string[],
  generatedBy: readonly string[],
): Promise<VersionLink[]> {
  const rows = await selectRows<
    VersionRow & { run_id: string; relation: 'USED' | 'GENERATED'; role: string; position: number }
  >(
    db,
    sql`select l.run_id::text as run_id, l.relation, l.role, l.position, ${versionColumns}
        from (
          select run_id, 'USED' as relation, role, position, model_version_id, dataset_version_id
          from run_inputs where run_id = any(${textArray(usedBy)}::uuid[])
          union all
          select run_id, 'GENERATED', name, 0, model_version_id, dataset_version_id
          from run_outputs where run_id = any(${textArray(generatedBy)}::uuid[])
        ) l
        left join model_versions m on m.id = l.model_version_id
        left join models md on md.id = m.model_id
        left join dataset_versions d on d.id = l.dataset_version_id
        left join datasets dd on dd.id = d.dataset_id
        join projects p on p.id = coalesce(md.project_id, dd.project_id)
        order by l.run_id, l.relation desc, l.role, l.position`,
  );
  return rows.map((row) => ({
    runId: row.run_id,
    relation: row.relation,
    role: row.role,
    position: row.position,
    kind: row.is_model ? 'MODEL_VERSION' : 'DATASET_VERSION',
    version: facts(row, actor),
  }));
}

/**
 * The dataset versions `ids` and every version they were derived from, to the root, by id;
 * null for one in a project the actor cannot see (the chain is not shown past it).
 */
export async function loadDatasetAncestry(
  db: Queryable,
  actor: Actor,
  ids: readonly string[],
): Promise<Map<string, VersionFacts | null>> {
  // `union` (not `union all`) stops at versions already reached.
  const rows = await selectRows<VersionRow>(
    db,
    sql`with recursive chain(id) as (
          select unnest(${textArray(ids)}::uuid[])
          union
          select v.derived_from_id from chain join dataset_versions v on v.id = chain.id
          where v.derived_from_id is not null
        )
        select ${versionColumns}
        from chain
        join dataset_versions d on d.id = chain.id
        join datasets dd on dd.id = d.dataset_id
        join projects p on p.id = dd.project_id
        -- no model side: the shared columns read nulls from it
        left join model_versions m on false
        left join models md on false`,
  );
  return new Map(rows.map((row) => [row.id, facts(row, actor)]));
}
