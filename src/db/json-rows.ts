// Rows carried as JSON inside another statement, so that a page brings its children in the
// same statement (one round trip, no row-by-row mapping of each child list): the SQL that
// builds such a row from columns, and the row as Drizzle would have returned it.
import { Column, type InferModelFromColumns, type SQL, sql } from 'drizzle-orm';

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
 * Reads a row jsonObject built, as Drizzle maps it from the driver: timestamps as Dates,
 * numbers as numbers, JSON columns as they are. Both drivers hand a json value over parsed.
 * Each column's decoder is looked up once here, not once per value: a page of runs reads
 * hundreds of such rows, and `columns` may be a subquery's fields, whose every property read
 * goes through Drizzle's selection proxy.
 */
export function jsonRowReader<C extends Columns>(
  columns: C,
): (json: Record<string, unknown>) => JsonRow<C> {
  const decoders = Object.entries(columns).map(([key, column]) => {
    const decode =
      column.dataType === 'json' ||
      column.mapFromDriverValue === Column.prototype.mapFromDriverValue
        ? null
        : (value: unknown) => column.mapFromDriverValue(value);
    return [key, decode] as const;
  });
  return (json) => {
    const row: Record<string, unknown> = {};
    for (const [key, decode] of decoders) {
      const value = json[key];
      row[key] = value === null || value === undefined ? null : decode ? decode(value) : value;
    }
    return row as JsonRow<C>;
  };
}
