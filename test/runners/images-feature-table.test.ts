import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { readFeatureTable } from '../../src/runners/images/feature-table.ts';
import { tempFolder } from '../support/files.ts';

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const remove of cleanup) remove();
  cleanup = [];
});

function file(name: string, content: string): string {
  const { path, remove } = tempFolder();
  cleanup.push(remove);
  writeFileSync(join(path, name), content);
  return join(path, name);
}

describe('readFeatureTable', () => {
  it('reads CSV columns as numbers, the label column as labels', async () => {
    const csv = file(
      'data.csv',
      'age,label,"height, cm"\n31,cat,1.5e2\n\n-4,"dog, big",.25\r\n0,cat,\n',
    );

    const table = await readFeatureTable(csv);

    expect(table.columns).toEqual(['age', 'height, cm']);
    expect(table.rowCount).toBe(3);
    expect([...table.values[0]!]).toEqual([31, -4, 0]);
    expect([...table.values[1]!]).toEqual([150, 0.25, Number.NaN]);
    expect(table.labels).toEqual(['cat', 'dog, big', 'cat']);
  });

  it('reads a quoted CSV cell spanning lines, and counts lines from its start', async () => {
    const csv = file('notes.csv', 'x,note\n1,"two\nlines"\n2,"a ""quote"""\nthree,x\n');
    await expect(readFeatureTable(csv, { features: ['x'] })).rejects.toThrow(
      `notes.csv line 5, column 'x': "three" is not a number`,
    );
  });

  it('names the line and column of a value that is not a number', async () => {
    const csv = file('data.csv', 'a,b\n1,2\n3,0x1f\n');
    const reading = readFeatureTable(csv);
    await expect(reading).rejects.toThrow(RunnerInputError);
    await expect(reading).rejects.toThrow(`data.csv line 3, column 'b': "0x1f" is not a number`);
  });

  it('refuses a CSV row with a different number of cells than the header', async () => {
    const csv = file('data.csv', 'a,b\n1,2\n3\n');
    await expect(readFeatureTable(csv)).rejects.toThrow(
      'data.csv line 3 has 1 cells; the header has 2',
    );
  });

  it('reads JSONL, fields first seen later become columns missing before', async () => {
    const jsonl = file(
      'data.jsonl',
      '{"x": 1, "label": "a"}\n{"x": 2.5, "y": "7", "label": 3}\n\n{"x": null, "y": 1, "label": "a"}\n',
    );

    const table = await readFeatureTable(jsonl);

    expect(table.columns).toEqual(['x', 'y']);
    expect([...table.values[0]!]).toEqual([1, 2.5, Number.NaN]);
    expect([...table.values[1]!]).toEqual([Number.NaN, 7, 1]);
    expect(table.labels).toEqual(['a', '3', 'a']);
  });

  it('reads only the requested features, under another label field', async () => {
    const jsonl = file('data.ndjson', '{"id": "x1", "f": 1, "class": "a"}\n');
    const table = await readFeatureTable(jsonl, { features: ['f'], labelField: 'class' });
    expect(table.columns).toEqual(['f']);
    expect(table.labels).toEqual(['a']);
    await expect(readFeatureTable(jsonl, { features: ['g'] })).rejects.toThrow(
      "data.ndjson has no column 'g' (it has id, f, class)",
    );
    await expect(readFeatureTable(jsonl, { labelField: 'class' })).rejects.toThrow(
      `data.ndjson line 1, column 'id': "x1" is not a number`,
    );
  });

  it('has no labels without a label column, and refuses labels on only some rows', async () => {
    const unlabelled = await readFeatureTable(file('u.jsonl', '{"x": 1}\n{"x": 2}\n'));
    expect(unlabelled.labels).toBeNull();
    await expect(
      readFeatureTable(file('p.jsonl', '{"x": 1, "label": "a"}\n{"x": 2}\n')),
    ).rejects.toThrow("p.jsonl line 2 has no 'label'");
  });

  it('refuses a line that is not a JSON object, and a file of unknown format', async () => {
    await expect(readFeatureTable(file('d.jsonl', '{"x": 1}\n[1]\n'))).rejects.toThrow(
      'd.jsonl line 2 is not a JSON object',
    );
    await expect(readFeatureTable(file('d.jsonl', '{"x": 1}\n{x: 1}\n'))).rejects.toThrow(
      'd.jsonl line 2 is not JSON',
    );
    await expect(readFeatureTable(file('d.txt', 'a\n1\n'))).rejects.toThrow(
      'cannot tell whether d.txt is CSV or JSONL',
    );
  });
});
