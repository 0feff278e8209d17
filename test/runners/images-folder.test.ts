import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedInput } from '../../src/runners/contract.ts';
import { RunnerInputError } from '../../src/runners/contract.ts';
import {
  declaredLabels,
  readImageFolder,
  readImageFolderInput,
} from '../../src/runners/images/image-folder.ts';
import { tempFolder } from '../support/files.ts';
import { writeImageFolder } from '../support/image-datasets.ts';

const red = { colour: [255, 0, 0] } as const;

function datasetInput(overrides: Partial<ResolvedInput>): ResolvedInput {
  return {
    role: 'dataset',
    kind: 'DATASET_VERSION',
    id: '1',
    ref: 'demo/pets@1',
    digest: 'sha256:0',
    uri: 'file:///nowhere',
    localPath: '/nowhere',
    format: 'IMAGE_FOLDER',
    metadata: {},
    labels: null,
    itemCount: null,
    ...overrides,
  };
}

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const remove of cleanup) remove();
  cleanup = [];
});

function folder(): string {
  const { path, remove } = tempFolder();
  cleanup.push(remove);
  return path;
}

describe('readImageFolder', () => {
  it('lists images by class, sorted by relative path, classes sorted by name', async () => {
    const root = folder();
    await writeImageFolder(root, {
      dog: [red, { ...red, name: 'b.jpg', format: 'jpeg' }],
      cat: [
        { ...red, name: 'z.png' },
        { ...red, name: 'a.webp' },
      ],
    });
    mkdirSync(join(root, 'cat', 'more'));
    writeFileSync(join(root, 'cat', 'more', 'x.PNG'), 'nested images belong to the class');

    const dataset = await readImageFolder(root);

    expect(dataset.labels).toEqual(['cat', 'dog']);
    expect(dataset.items.map((i) => [i.id, i.label, i.labelIndex])).toEqual([
      ['cat/a.webp', 'cat', 0],
      ['cat/more/x.PNG', 'cat', 0],
      ['cat/z.png', 'cat', 0],
      ['dog/0.png', 'dog', 1],
      ['dog/b.jpg', 'dog', 1],
    ]);
    expect(dataset.items[0]!.path).toBe(join(root, 'cat', 'a.webp'));
    expect(dataset.unlabeled).toEqual([]);
  });

  it('follows the declared label order, and keeps an empty class folder as a class', async () => {
    const root = folder();
    await writeImageFolder(root, { cat: [red], dog: [red] });
    mkdirSync(join(root, 'bird'));

    expect((await readImageFolder(root)).labels).toEqual(['bird', 'cat', 'dog']);
    const declared = await readImageFolder(root, ['dog', 'bird', 'cat', 'fish']);
    expect(declared.labels).toEqual(['dog', 'bird', 'cat', 'fish']);
    expect(declared.items.map((i) => [i.id, i.labelIndex])).toEqual([
      ['cat/0.png', 2],
      ['dog/0.png', 0],
    ]);
  });

  it("refuses a class folder with images that is not in the dataset's label set", async () => {
    const root = folder();
    await writeImageFolder(root, { cat: [red], dog: [red], horse: [red] });

    const reading = readImageFolder(root, ['cat', 'dog']);
    await expect(reading).rejects.toThrow(RunnerInputError);
    await expect(reading).rejects.toThrow(
      "label 'horse' (folder horse/) is not in the dataset's label set [cat, dog]",
    );
  });

  it('returns images outside the label set apart when asked to keep them', async () => {
    const root = folder();
    await writeImageFolder(root, { cat: [red], horse: [red, red], zebra: [red] });

    const dataset = await readImageFolder(root, ['cat', 'dog'], { outsideLabels: 'keep' });

    expect(dataset.items.map((i) => i.id)).toEqual(['cat/0.png']);
    expect(dataset.outsideLabels).toEqual([
      { id: 'horse/0.png', path: join(root, 'horse', '0.png'), label: 'horse' },
      { id: 'horse/1.png', path: join(root, 'horse', '1.png'), label: 'horse' },
      { id: 'zebra/0.png', path: join(root, 'zebra', '0.png'), label: 'zebra' },
    ]);
    expect((await readImageFolder(root)).outsideLabels).toEqual([]);
  });

  it('returns root images as unlabeled, and sorts out other files', async () => {
    const root = folder();
    await writeImageFolder(root, { cat: [red] });
    writeFileSync(join(root, 'stray.png'), 'an image without a class');
    writeFileSync(join(root, 'README.md'), 'about');
    writeFileSync(join(root, 'cat', 'notes.txt'), 'notes');
    writeFileSync(join(root, 'cat', 'old.bmp'), 'BM');
    writeFileSync(join(root, 'cat', '._0.png'), 'macOS sidecar');
    mkdirSync(join(root, '.cache'));
    writeFileSync(join(root, '.cache', 'x.png'), 'hidden');
    symlinkSync(join(root, 'cat', '0.png'), join(root, 'cat', 'link.png'));

    const dataset = await readImageFolder(root);

    expect(dataset.labels).toEqual(['cat']);
    expect(dataset.items.map((i) => i.id)).toEqual(['cat/0.png']);
    expect(dataset.unlabeled).toEqual([{ id: 'stray.png', path: join(root, 'stray.png') }]);
    expect(dataset.unsupported).toEqual(['cat/old.bmp']);
    expect(dataset.ignored).toEqual([
      '.cache',
      'README.md',
      'cat/._0.png',
      'cat/link.png',
      'cat/notes.txt',
    ]);
  });

  it('says so when the folder does not exist', async () => {
    const missing = join(folder(), 'missing');
    await expect(readImageFolder(missing)).rejects.toThrow(
      `dataset folder ${missing} does not exist or is not a folder`,
    );
  });
});

describe('declaredLabels', () => {
  it("takes the version's labels first, then MAITE index2label as object or array", () => {
    expect(declaredLabels(datasetInput({ labels: ['a', 'b'] }))).toEqual(['a', 'b']);
    const metadata = { index2label: { '1': 'dog', '0': 'cat', '2': 'bird' } };
    expect(declaredLabels(datasetInput({ metadata }))).toEqual(['cat', 'dog', 'bird']);
    expect(declaredLabels(datasetInput({ metadata: { index2label: ['x', 'y'] } }))).toEqual([
      'x',
      'y',
    ]);
    expect(declaredLabels(datasetInput({}))).toBeNull();
  });

  it('refuses an index2label with gaps or non-string names', () => {
    for (const index2label of [{ '0': 'cat', '2': 'dog' }, { '0': 1 }, { a: 'cat' }, 'cat']) {
      expect(() => declaredLabels(datasetInput({ metadata: { index2label } }))).toThrow(
        'metadata.index2label of demo/pets@1 must map the indices 0, 1, 2... to class names',
      );
    }
  });
});

describe('readImageFolderInput', () => {
  it('reads a local IMAGE_FOLDER version with the label order of its index2label', async () => {
    const root = folder();
    await writeImageFolder(root, { cat: [red], dog: [red] });
    const input = datasetInput({
      localPath: root,
      metadata: { index2label: { '0': 'dog', '1': 'cat' } },
    });

    const dataset = await readImageFolderInput(input);

    expect(dataset.labels).toEqual(['dog', 'cat']);
    expect(dataset.items.map((i) => [i.label, i.labelIndex])).toEqual([
      ['cat', 1],
      ['dog', 0],
    ]);
  });

  it('refuses another format or a remote dataset', async () => {
    await expect(readImageFolderInput(datasetInput({ format: 'CSV' }))).rejects.toThrow(
      'demo/pets@1 is a CSV dataset, not an IMAGE_FOLDER',
    );
    const remote = datasetInput({ localPath: null, uri: 's3://bucket/pets' });
    await expect(readImageFolderInput(remote)).rejects.toThrow(
      'demo/pets@1 is at s3://bucket/pets, not in a local folder',
    );
  });
});
