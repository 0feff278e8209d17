// A CSV or JSONL dataset read as a table of numeric features (one Float64Array per
// column) and, when it has them, a label per row: what drift and tabular checks compare.
import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { RunnerInputError } from '../contract.ts';

export interface FeatureTable {
  /** Feature column names, in file order. */
  columns: string[];
  /** `values[j][i]` is column j of row i; a missing value is NaN. */
  values: Float64Array[];
  rowCount: number;
  /** The label of each row, or null when the file has no label column / field. */
  labels: string[] | null;
}

export interface FeatureTableOptions {
  /** By default from the extension: .csv is CSV; .jsonl and .ndjson are JSONL. */
  format?: 'CSV' | 'JSONL';
  /** The column / field holding labels; `label` by default. */
  labelField?: string;
  /** The feature columns to read; by default every column but the label's. */
  features?: readonly string[];
}

// A decimal number as CSV writers print it; Number() alone would take '', '0x1f' and ' '.
const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// How pandas, R and spreadsheets write a missing value.
const missing = new Set(['', 'NA', 'NaN', 'nan', 'null', 'NULL']);

/** One row's values by column name, and the file line it starts on. */
interface Row {
  line: number;
  fields: Map<string, unknown>;
}

async function* physicalLines(file: string): AsyncGenerator<string> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const reader = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of reader) yield line;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') {
      throw new RunnerInputError(`dataset file ${file} does not exist or is not a file`);
    }
    throw error;
  }
}

/** The cells of one CSV record (RFC 4180: quoted cells may hold commas, newlines, ""). */
export function csvCells(record: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const char = record[i];
    if (quoted) {
      if (char !== '"') cell += char;
      else if (record[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}

async function* csvRows(file: string): AsyncGenerator<Row> {
  let header: string[] | null = null;
  let record = '';
  let start = 0;
  let line = 0;
  for await (const text of physicalLines(file)) {
    line++;
    if (record === '') start = line;
    record = record === '' ? text : `${record}\n${text}`;
    // An odd number of quotes so far: a quoted cell goes on on the next line.
    if ((record.match(/"/g)?.length ?? 0) % 2 === 1) continue;
    const cells = csvCells(record);
    record = '';
    if (cells.length === 1 && cells[0]!.trim() === '') continue;
    if (!header) {
      header = cells.map((cell) => cell.trim());
      continue;
    }
    if (cells.length !== header.length) {
      throw new RunnerInputError(
        `${basename(file)} line ${start} has ${cells.length} cells; the header has ${header.length}`,
      );
    }
    yield { line: start, fields: new Map(header.map((name, j) => [name, cells[j]!.trim()])) };
  }
  if (record !== '') {
    throw new RunnerInputError(`${basename(file)} line ${start} opens a quote it never closes`);
  }
}

async function* jsonlRows(file: string): AsyncGenerator<Row> {
  let line = 0;
  for await (const text of physicalLines(file)) {
    line++;
    if (text.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      throw new RunnerInputError(`${basename(file)} line ${line} is not JSON`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new RunnerInputError(`${basename(file)} line ${line} is not a JSON object`);
    }
    yield { line, fields: new Map(Object.entries(record)) };
  }
}

function formatOf(file: string, options: FeatureTableOptions): 'CSV' | 'JSONL' {
  if (options.format) return options.format;
  const extension = extname(file).toLowerCase();
  if (extension === '.csv') return 'CSV';
  if (extension === '.jsonl' || extension === '.ndjson') return 'JSONL';
  throw new RunnerInputError(`cannot tell whether ${basename(file)} is CSV or JSONL`);
}

/**
 * Reads a CSV (header row first) or JSONL file as numeric feature columns and labels. A
 * value that is not a number is an error naming its line and column; an empty cell, null,
 * NA or NaN is a missing value (NaN). JSONL fields first seen on a later line become
 * columns too, missing on the lines before.
 */
export async function readFeatureTable(
  file: string,
  options: FeatureTableOptions = {},
): Promise<FeatureTable> {
  const labelField = options.labelField ?? 'label';
  const rows = formatOf(file, options) === 'CSV' ? csvRows(file) : jsonlRows(file);
  const columns = new Map<string, number[]>();
  for (const name of options.features ?? []) columns.set(name, []);
  const seen = new Set<string>();
  let labels: string[] | null = null;
  let rowCount = 0;
  for await (const { line, fields } of rows) {
    for (const name of fields.keys()) seen.add(name);
    const label = fields.get(labelField);
    const hasLabel = label !== undefined && label !== null && label !== '';
    if (rowCount === 0 && hasLabel) labels = [];
    if (labels && !hasLabel) {
      throw new RunnerInputError(`${basename(file)} line ${line} has no '${labelField}'`);
    }
    if (!labels && hasLabel) {
      throw new RunnerInputError(
        `${basename(file)} line ${line} has a '${labelField}' but the lines before it do not`,
      );
    }
    if (labels) labels.push(String(label));
    if (!options.features) {
      for (const name of fields.keys()) {
        if (name !== labelField && !columns.has(name)) {
          columns.set(name, new Array<number>(rowCount).fill(Number.NaN));
        }
      }
    }
    for (const [name, values] of columns) {
      values.push(numberAt(fields.get(name), file, line, name));
    }
    rowCount++;
  }
  const absent = (options.features ?? []).filter((name) => !seen.has(name));
  if (absent.length) {
    throw new RunnerInputError(
      `${basename(file)} has no column '${absent[0]}' (it has ${[...seen].join(', ')})`,
    );
  }
  return {
    columns: [...columns.keys()],
    values: [...columns.values()].map((values) => Float64Array.from(values)),
    rowCount,
    labels,
  };
}

function numberAt(value: unknown, file: string, line: number, column: string): number {
  if (value === undefined || value === null) return Number.NaN;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (missing.has(value.trim())) return Number.NaN;
    if (decimal.test(value.trim())) return Number(value);
  }
  const shown = JSON.stringify(value);
  throw new RunnerInputError(
    `${basename(file)} line ${line}, column '${column}': ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown} is not a number`,
  );
}
