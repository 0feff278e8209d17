// The registry's derived-from tree of a dataset's versions (web/src/pages/derivation-tree.ts).
import { describe, expect, it } from 'vitest';
import { derivationTree } from '../web/src/pages/derivation-tree.ts';

describe("a dataset's derived-from tree", () => {
  it('puts each version under the one it was made from, newest first among siblings', () => {
    const versions = [
      { id: 'v4', derivedFrom: { id: 'v2' } },
      { id: 'v3', derivedFrom: { id: 'v1' } },
      { id: 'v2', derivedFrom: { id: 'v1' } },
      { id: 'v1', derivedFrom: null },
      // Made from another dataset's version: a root of its own.
      { id: 'w1', derivedFrom: { id: 'other' } },
    ];
    expect(derivationTree(versions).map(([v, depth]) => `${v.id}:${depth}`)).toEqual([
      'v1:0',
      'v3:1',
      'v2:1',
      'v4:2',
      'w1:0',
    ]);
  });
});
