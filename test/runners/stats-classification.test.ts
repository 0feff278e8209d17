// Classification metrics on small cases computed by hand, with scikit-learn's definitions
// (zero_division=0, macro over the labels present in truth or predictions).
import { describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import {
  accuracy,
  classificationReport,
  confusionMatrix,
  predictedClasses,
  topKAccuracy,
} from '../../src/runners/stats/classification.ts';

// Four classes; class 3 occurs in neither the truth nor the predictions.
const truth = Int32Array.of(0, 0, 0, 0, 1, 1, 1, 2, 2, 2);
const predicted = Int32Array.of(0, 0, 0, 1, 1, 1, 0, 2, 2, 1);

describe('classificationReport', () => {
  // Confusion matrix (rows truth, columns prediction):
  //   t0: 3 1 0 0   t1: 1 2 0 0   t2: 0 1 2 0   t3: 0 0 0 0
  // class 0: TP 3, support 4, predicted 3+1+0 = 4: P = 3/4, R = 3/4, F1 = 6/(6+1+1) = 3/4
  // class 1: TP 2, support 3, predicted 1+2+1 = 4: P = 2/4, R = 2/3, F1 = 4/(4+2+1) = 4/7
  // class 2: TP 2, support 3, predicted 0+0+2 = 2: P = 2/2, R = 2/3, F1 = 4/(4+0+1) = 4/5
  // class 3: no items, no predictions: P = R = F1 = 0 (zero_division=0), left out of the macro.
  // accuracy = (3+2+2)/10 = 0.7 = micro F1
  // macro F1 = (3/4 + 4/7 + 4/5)/3 = (105 + 80 + 112)/140/3 = 99/140
  // weighted F1 = (4*3/4 + 3*4/7 + 3*4/5)/10 = (3 + 12/7 + 12/5)/10 = 249/350
  const report = classificationReport(truth, predicted, 4);

  it('counts the confusion matrix with rows = truth', () => {
    expect(Array.from(report.confusion)).toEqual([3, 1, 0, 0, 1, 2, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0]);
    expect(confusionMatrix(truth, predicted, 4)).toEqual(report.confusion);
  });

  it('gives per-class precision, recall, F1 and support', () => {
    const expected = [
      { precision: 3 / 4, recall: 3 / 4, f1: 3 / 4, support: 4, predicted: 4 },
      { precision: 2 / 4, recall: 2 / 3, f1: 4 / 7, support: 3, predicted: 4 },
      { precision: 1, recall: 2 / 3, f1: 4 / 5, support: 3, predicted: 2 },
      { precision: 0, recall: 0, f1: 0, support: 0, predicted: 0 },
    ];
    report.perClass.forEach((scores, c) => {
      const want = expected[c]!;
      expect(scores.support).toBe(want.support);
      expect(scores.predicted).toBe(want.predicted);
      expect(scores.precision).toBeCloseTo(want.precision, 15);
      expect(scores.recall).toBeCloseTo(want.recall, 15);
      expect(scores.f1).toBeCloseTo(want.f1, 15);
    });
  });

  it('averages F1 the macro, micro and weighted ways', () => {
    expect(report.accuracy).toBe(0.7);
    expect(report.microF1).toBeCloseTo(0.7, 15);
    expect(report.macroF1).toBeCloseTo(99 / 140, 15);
    expect(report.weightedF1).toBeCloseTo(249 / 350, 15);
  });

  it('scores a class predicted but never true as 0 and keeps it in the macro average', () => {
    // f1_score([0, 0, 1], [0, 3, 1], average='macro', zero_division=0) over labels {0, 1, 3}:
    // class 0: P = 1/1, R = 1/2, F1 = 2/(2+0+1) = 2/3; class 1: F1 = 1; class 3: P = 0/1,
    // R = 0/0 -> 0, F1 = 0/(0+1+0) = 0. Macro = (2/3 + 1 + 0)/3 = 5/9. Class 2 is absent.
    const small = classificationReport(Int32Array.of(0, 0, 1), Int32Array.of(0, 3, 1), 4);
    expect(small.perClass[3]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0, predicted: 1 });
    expect(small.macroF1).toBeCloseTo(5 / 9, 15);
    // weighted: (2 * 2/3 + 1 * 1)/3 = 7/9; micro = accuracy = 2/3.
    expect(small.weightedF1).toBeCloseTo(7 / 9, 15);
    expect(small.microF1).toBeCloseTo(2 / 3, 15);
  });

  it('refuses labels outside the label set and unpaired arrays', () => {
    expect(() => classificationReport(Int32Array.of(0, 4), Int32Array.of(0, 1), 4)).toThrow(
      /true label of item 1 is 4, outside the label set 0..3/,
    );
    expect(() => classificationReport(Int32Array.of(0, 1), Int32Array.of(0, -1), 4)).toThrow(
      /prediction of item 1 is -1/,
    );
    expect(() => accuracy(Int32Array.of(0, 1), Int32Array.of(0), 2)).toThrow(RunnerInputError);
    expect(() => accuracy(new Int32Array(0), new Int32Array(0), 2)).toThrow(/at least one item/);
  });
});

describe('accuracy and top-k accuracy', () => {
  // Rows of scores for classes 0, 1, 2; truth 0, 1, 2, 2.
  //   item 0: [0.5, 0.3, 0.2], truth 0: highest                      -> rank 0
  //   item 1: [0.4, 0.4, 0.2], truth 1: tied with class 0, which wins -> rank 1
  //   item 2: [0.1, 0.6, 0.3], truth 2: below class 1                 -> rank 1
  //   item 3: [0.5, 0.3, 0.2], truth 2: lowest                        -> rank 2
  // top-1 = 1/4, top-2 = 3/4, top-3 = 4/4.
  const scores = Float32Array.of(0.5, 0.3, 0.2, 0.4, 0.4, 0.2, 0.1, 0.6, 0.3, 0.5, 0.3, 0.2);
  const labels = Int32Array.of(0, 1, 2, 2);

  it('counts an item as right when its class is among the k highest, ties to the smaller index', () => {
    expect(topKAccuracy(labels, scores, 3, 1)).toBe(0.25);
    expect(topKAccuracy(labels, scores, 3, 2)).toBe(0.75);
    expect(topKAccuracy(labels, scores, 3, 3)).toBe(1);
  });

  it('predicts the highest score with the same tie rule, so top-1 equals accuracy', () => {
    const argmax = predictedClasses(scores, 3);
    expect(Array.from(argmax)).toEqual([0, 0, 1, 0]);
    expect(accuracy(labels, argmax, 3)).toBe(topKAccuracy(labels, scores, 3, 1));
  });

  it('refuses scores of the wrong shape or with NaN', () => {
    expect(() => topKAccuracy(labels, scores.subarray(1), 3, 1)).toThrow(/expected 4 x 3 = 12/);
    const broken = scores.slice();
    broken[4] = Number.NaN;
    expect(() => predictedClasses(broken, 3)).toThrow(/item 1 for class 1 is NaN/);
    expect(() => topKAccuracy(labels, scores, 3, 0)).toThrow(/k >= 1/);
  });
});
