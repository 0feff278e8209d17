// The swept metric of a model on one set of images (clean or perturbed), with its bootstrap
// interval, computed as evaluate-classification computes it.
import type { ClassMapping } from '../evaluate-classification/class-mapping.ts';
import {
  classificationResults,
  type Estimate,
} from '../evaluate-classification/classification-results.ts';
import type { ImagePipeline } from '../evaluate-classification/image-pipeline.ts';
import { type ScoreOptions, scoreImages } from '../evaluate-classification/image-scores.ts';
import { outcomesFromScores } from '../evaluate-classification/item-outcomes.ts';
import type { LabelledImage } from '../images/image-folder.ts';

export interface SweptMetricOptions extends ScoreOptions {
  metric: 'accuracy' | 'macro_f1';
  resamples: number;
  level: number;
  seed: number;
}

/** Runs the model over `items` and returns the metric's estimate and interval. */
export async function sweptMetric(
  pipeline: ImagePipeline,
  items: readonly LabelledImage[],
  mapping: ClassMapping,
  options: SweptMetricOptions,
): Promise<Estimate> {
  const scores = await scoreImages(pipeline, items, mapping, options);
  const truth = Int32Array.from(items, (item) => item.labelIndex);
  const classes = mapping.labels.length;
  // Neither top-k nor calibration is swept: k = classes skips top-k, one bin keeps ECE cheap.
  const outcomes = outcomesFromScores(truth, scores, classes, { topK: classes, bins: 1 });
  const results = await classificationResults(outcomes, mapping.labels, {
    metrics: [options.metric],
    perClass: false,
    resamples: options.resamples,
    level: options.level,
    seed: options.seed,
    signal: options.signal,
  });
  return results.headline[0]!.estimate;
}
