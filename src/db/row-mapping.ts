// Rows of cached statements mapped by a mapper made once per statement. Drizzle's own
// (mapResultRow) works out each column's decoder and path again for every value of every
// row: 4 % of the hub's CPU on a page of runs. This one gives the same rows, worked out once.
import {
  Column,
  type DriverValueDecoder,
  getTableName,
  is,
  noopDecoder,
  SQL,
  Subquery,
} from 'drizzle-orm';

/** A selected field as Drizzle orders them for a prepared select (orderSelectedFields). */
interface SelectedField {
  path: string[];
  field: unknown;
}

/** What a prepared select of drizzle-orm 0.45 holds to map its rows. */
interface PreparedSelect {
  fields?: SelectedField[];
  joinsNotNullableMap?: Record<string, boolean>;
  customResultMapper?: (rows: unknown[][]) => unknown;
}

type Decode = ((value: unknown) => unknown) | null;

type Decoded = { decoder: DriverValueDecoder<unknown, unknown> };

function decoderOf(field: unknown): DriverValueDecoder<unknown, unknown> {
  if (is(field, Column)) return field;
  // A SQL's decoder is internal to Drizzle's types, set by .mapWith().
  if (is(field, SQL)) return (field as unknown as Decoded).decoder;
  if (is(field, Subquery)) return (field._ as unknown as { sql: Decoded }).sql.decoder;
  return (field as { sql: Decoded }).sql.decoder;
}

/** Maps rows (arrays of driver values) to objects, as mapResultRow does. */
function rowMapper(fields: SelectedField[], joinsNotNullableMap?: Record<string, boolean>) {
  const columns = fields.map(({ path, field }) => {
    const decoder = decoderOf(field);
    const identity =
      decoder.mapFromDriverValue === Column.prototype.mapFromDriverValue ||
      decoder.mapFromDriverValue === noopDecoder.mapFromDriverValue;
    const decode: Decode = identity ? null : (value) => decoder.mapFromDriverValue(value);
    return { parents: path.slice(0, -1), key: path.at(-1)!, decode };
  });
  // A left-joined table's object is null when the first of its columns is, as Drizzle does
  // (its columns all from that one table, and the join not one that always matches).
  const nullable: Array<{ object: string; column: number }> = [];
  if (joinsNotNullableMap) {
    const objects = new Map<string, { column: number; table: string; oneTable: boolean }>();
    fields.forEach(({ path, field }, column) => {
      if (!is(field, Column) || path.length !== 2) return;
      const table = getTableName(field.table);
      const seen = objects.get(path[0]!);
      if (!seen) objects.set(path[0]!, { column, table, oneTable: true });
      else if (seen.table !== table) seen.oneTable = false;
    });
    for (const [object, { column, table, oneTable }] of objects)
      if (oneTable && !joinsNotNullableMap[table]) nullable.push({ object, column });
  }
  return (row: unknown[]) => {
    const result: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const { parents, key, decode } = columns[i]!;
      let node = result;
      for (const parent of parents) {
        node[parent] ??= {};
        node = node[parent] as Record<string, unknown>;
      }
      const value = row[i];
      node[key] = value === null ? null : decode ? decode(value) : value;
    }
    for (const { object, column } of nullable) if (row[column] === null) result[object] = null;
    return result;
  };
}

/** Has `statement` (a prepared select) map its rows with a mapper made once, here. */
export function mapRowsOnce<S>(statement: S): S {
  const select = statement as PreparedSelect;
  if (Array.isArray(select.fields) && !select.customResultMapper) {
    const map = rowMapper(select.fields, select.joinsNotNullableMap);
    select.customResultMapper = (rows) => rows.map(map);
  }
  return statement;
}
