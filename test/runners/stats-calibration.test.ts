// Expected and maximum calibration error and the reliability bins, computed by hand.
import { describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { calibration, calibrationOfConfidences } from '../../src/runners/stats/calibration.ts';

describe('calibrationOfConfidences', () => {
  it('bins confidences in (lo, hi], the first bin including 0, and weighs the gaps by count', () => {
    // 4 bins: [0, 0.25], (0.25, 0.5], (0.5, 0.75], (0.75, 1]
    //   bin 0: 0.0, 0.25           correct 0, 0      conf 0.125  acc 0    gap 0.125
    //   bin 1: 0.3, 0.5            correct 1, 0      conf 0.4    acc 0.5  gap 0.1
    //   bin 2: 0.6, 0.7            correct 1, 1      conf 0.65   acc 1    gap 0.35
    //   bin 3: 0.8, 0.9, 0.95, 1.0 correct 1, 0, 1, 1 conf 3.65/4 = 0.9125, acc 0.75, gap 0.1625
    // ECE = (2*0.125 + 2*0.1 + 2*0.35 + 4*0.1625)/10 = 1.8/10 = 0.18; MCE = 0.35
    const confidences = [0.0, 0.25, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0];
    const correct = [0, 0, 1, 0, 1, 1, 1, 0, 1, 1];
    const result = calibrationOfConfidences(confidences, correct, 4);
    expect(result.ece).toBeCloseTo(0.18, 15);
    expect(result.mce).toBeCloseTo(0.35, 15);
    const expected = [
      { lower: 0, upper: 0.25, count: 2, meanConfidence: 0.125, accuracy: 0 },
      { lower: 0.25, upper: 0.5, count: 2, meanConfidence: 0.4, accuracy: 0.5 },
      { lower: 0.5, upper: 0.75, count: 2, meanConfidence: 0.65, accuracy: 1 },
      { lower: 0.75, upper: 1, count: 4, meanConfidence: 0.9125, accuracy: 0.75 },
    ];
    result.bins.forEach((bin, b) => {
      const want = expected[b]!;
      expect(bin.lower).toBe(want.lower);
      expect(bin.upper).toBe(want.upper);
      expect(bin.count).toBe(want.count);
      expect(bin.meanConfidence).toBeCloseTo(want.meanConfidence, 15);
      expect(bin.accuracy).toBe(want.accuracy);
    });
  });

  it('uses 15 bins by default and puts a confidence on a boundary in the bin it closes', () => {
    // 0.2 = 3/15 closes bin 2 = (2/15, 3/15]; 0.2 + 1e-12 opens bin 3. 1/15 closes bin 0.
    const result = calibrationOfConfidences([0.2, 0.2 + 1e-12, 1 / 15], [1, 0, 1]);
    expect(result.bins).toHaveLength(15);
    expect(result.bins.map((bin) => bin.count)).toEqual([
      1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    // Empty bins report no confidence or accuracy rather than a made-up 0.
    expect(result.bins[1]).toEqual({
      lower: 1 / 15,
      upper: 2 / 15,
      count: 0,
      meanConfidence: null,
      accuracy: null,
    });
    // gaps: |1 - 1/15|, |1 - 0.2|, |0 - (0.2 + 1e-12)|: ECE = their mean, MCE = 14/15
    expect(result.ece).toBeCloseTo((14 / 15 + 0.8 + (0.2 + 1e-12)) / 3, 15);
    expect(result.mce).toBeCloseTo(14 / 15, 15);
  });

  it('is 0 for a perfectly calibrated model', () => {
    // In (0.5, 0.75]: confidence 0.6 on five items, three of them right.
    const result = calibrationOfConfidences([0.6, 0.6, 0.6, 0.6, 0.6], [1, 1, 1, 0, 0], 4);
    expect(result.ece).toBeCloseTo(0, 15);
    expect(result.mce).toBeCloseTo(0, 15);
  });

  it('refuses confidences outside [0, 1] and unpaired inputs', () => {
    expect(() => calibrationOfConfidences([0.5, 1.2], [1, 0])).toThrow(
      /confidence of item 1 is 1.2, outside \[0, 1\]/,
    );
    expect(() => calibrationOfConfidences([0.5], [1, 0])).toThrow(RunnerInputError);
    expect(() => calibrationOfConfidences([0.5], [1], 0)).toThrow(/bins/);
    expect(() => calibrationOfConfidences([], [])).toThrow(/at least one item/);
  });
});

describe('calibration', () => {
  it('takes the largest probability as the confidence and its class as the prediction', () => {
    // Two classes, truth 0 for all three items:
    //   [0.9, 0.1] -> class 0, right, confidence float32(0.9)
    //   [0.3, 0.7] -> class 1, wrong, confidence float32(0.7)
    //   [0.5, 0.5] -> class 0 (tie to the smaller index), right, confidence 0.5
    // 2 bins: [0, 0.5] holds 0.5 (acc 1, gap 0.5); (0.5, 1] holds 0.9 and 0.7 (acc 0.5).
    const scores = Float32Array.of(0.9, 0.1, 0.3, 0.7, 0.5, 0.5);
    const result = calibration(scores, Int32Array.of(0, 0, 0), 2, 2);
    const upperConfidence = (Math.fround(0.9) + Math.fround(0.7)) / 2;
    expect(result.bins[0]).toEqual({
      lower: 0,
      upper: 0.5,
      count: 1,
      meanConfidence: 0.5,
      accuracy: 1,
    });
    expect(result.bins[1]!.meanConfidence).toBeCloseTo(upperConfidence, 15);
    expect(result.bins[1]!.accuracy).toBe(0.5);
    expect(result.ece).toBeCloseTo((0.5 + 2 * (upperConfidence - 0.5)) / 3, 15);
    expect(result.mce).toBe(0.5);
  });

  it('refuses true labels outside the label set', () => {
    expect(() => calibration(Float32Array.of(0.4, 0.6), Int32Array.of(2), 2)).toThrow(
      /true label of item 0 is 2/,
    );
  });
});
