// Rows carried as JSON inside another statement, so that a page brings its children in the
// same statement (one round trip, no row-by-row mapping of each child list): the SQL that
// builds such a row from columns, and the row as Drizzle would have returned it.
import { type Column, type InferModelFromColumns, type SQL, sql } from 'drizzle-orm';

type Columns = Record<string, Column>;

/** The row of `columns`, as a select of them returns it. */
export type JsonRow<C extends Columns> = InferModelFromColumns<C, 'select'>;

/** json_build_object of `columns`, each under its property name. */
export function jsonObject(columns: Columns): SQL {
  return sql`json_build_object(${sql.join(
    Object.entries(columns).map(([key, column]) => sql`${sql.raw(`'${key}'`)}, ${column}`),
    sql`, `,
  )})`;
}

/**
 * A row jsonObject built, as Drizzle maps it from the driver: timestamps as Dates, numbers
 * as numbers, JSON columns as they are. Both drivers hand a json value over parsed.
 */
export function fromJsonObject<C extends Columns>(
  columns: C,
  json: Record<string, unknown>,
): JsonRow<C> {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(columns)) {
    const value = json[key];
    row[key] =
      value === null || value === undefined
        ? null
        : column.dataType === 'json'
          ? value
          : column.mapFromDriverValue(value);
  }
  return row as JsonRow<C>;
}
