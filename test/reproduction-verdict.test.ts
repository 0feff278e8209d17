// How a reproduction's metrics are paired with the original's and compared, bit for bit.
import { describe, expect, it } from 'vitest';
import { compareMetrics, type MeasuredValue } from '../src/resolvers/runs/reproduction-verdict.ts';

const value = (metric: string, v: number, more: Partial<MeasuredValue> = {}): MeasuredValue => ({
  metric,
  step: 0,
  slice: {},
  sliceKey: '',
  value: v,
  ciLower: null,
  ciUpper: null,
  ciLevel: null,
  sampleSize: null,
  ...more,
});

describe('compareMetrics', () => {
  it('finds identical runs identical, whatever the order of different metrics', () => {
    const original = [value('a', 0.1), value('b', 2, { step: 1 })];
    expect(compareMetrics(original, [...original].reverse())).toEqual({
      compared: 2,
      differing: [],
      missing: [],
      added: [],
    });
  });

  it('tells apart values a last bit apart, and negative zero from zero', () => {
    const nextUp = 0.1 + Number.EPSILON / 16;
    expect(nextUp).not.toBe(0.1);
    const agreement = compareMetrics(
      [value('a', 0.1), value('z', 0)],
      [value('a', nextUp), value('z', -0)],
    );
    expect(agreement.differing.map((d) => [d.metric, d.fields])).toEqual([
      ['a', ['value']],
      ['z', ['value']],
    ]);
  });

  it('compares intervals and sample sizes too, and pairs by step and slice', () => {
    const cat = { slice: { class: 'cat' }, sliceKey: '{"class":"cat"}' };
    const agreement = compareMetrics(
      [
        value('acc', 0.9, { ...cat, ciLower: 0.8, ciUpper: 0.95, ciLevel: 0.95, sampleSize: 40 }),
        value('acc', 0.7, { step: 2 }),
      ],
      [
        value('acc', 0.7, { step: 2 }),
        value('acc', 0.9, { ...cat, ciLower: 0.81, ciUpper: 0.95, ciLevel: 0.95, sampleSize: 40 }),
      ],
    );
    expect(agreement.compared).toBe(2);
    expect(agreement.differing).toEqual([
      {
        metric: 'acc',
        step: 0,
        slice: { class: 'cat' },
        fields: ['ciLower'],
        original: { value: 0.9, ciLower: 0.8, ciUpper: 0.95, ciLevel: 0.95, sampleSize: 40 },
        reproduced: { value: 0.9, ciLower: 0.81, ciUpper: 0.95, ciLevel: 0.95, sampleSize: 40 },
        difference: 0,
      },
    ]);
  });

  it('pairs a repeated metric by its order, and lists the missing and the new', () => {
    const agreement = compareMetrics(
      [value('loss', 3), value('loss', 2), value('gone', 1)],
      [value('loss', 3), value('loss', 2.5), value('loss', 1), value('new', 1)],
    );
    expect(
      agreement.differing.map((d) => [d.original.value, d.reproduced.value, d.difference]),
    ).toEqual([[2, 2.5, 0.5]]);
    expect(agreement.missing).toEqual([{ metric: 'gone', step: 0, slice: {} }]);
    expect(agreement.added).toEqual([
      { metric: 'loss', step: 0, slice: {} },
      { metric: 'new', step: 0, slice: {} },
    ]);
  });
});
