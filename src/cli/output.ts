// What commands print: aligned tables for people at a terminal, JSON for scripts.

/** Prints rows as a table with a header, or as JSON with --json. */
export function printTable(rows: Array<Record<string, unknown>>, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((c) => (row[c] == null ? '' : String(row[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const bold = process.stdout.isTTY && !process.env.NO_COLOR;
  const header = line(columns.map((c) => c.toUpperCase()));
  console.log(bold ? `\x1b[1m${header}\x1b[0m` : header);
  for (const row of cells) console.log(line(row));
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Colours on a terminal only (and not under NO_COLOR). */
export function colour(code: number, text: string): string {
  return process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[${code}m${text}\x1b[0m` : text;
}
