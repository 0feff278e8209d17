// Object detection evaluation with COCO's metrics: a ground truth in COCO format against
// detections from a results file or from an ONNX detector run here.
import { relative } from 'node:path';
import type { ResolvedInput } from '../contract.ts';
import { defineRunner, RunnerInputError } from '../contract.ts';
import { evaluateCoco } from '../detection/coco-eval.ts';
import type { CocoResult } from '../detection/coco-results.ts';
import type { CocoMetrics } from '../detection/summarize.ts';
import { bootstrapIntervalAsync } from '../stats/bootstrap.ts';
import { apOfImageResample } from './ap-resampling.ts';
import { classNames, weakClassFindings } from './class-performance.ts';
import { readCocoDataset } from './coco-dataset.ts';
import { detectionConfig } from './config.ts';
import { detectWithOnnx } from './detector-run.ts';
import { readPredictions } from './predictions-file.ts';

/** Metric keys of COCOeval's twelve numbers. */
const METRIC_KEYS: ReadonlyArray<readonly [keyof CocoMetrics, string]> = [
  ['AP', 'ap'],
  ['AP50', 'ap50'],
  ['AP75', 'ap75'],
  ['APsmall', 'ap_small'],
  ['APmedium', 'ap_medium'],
  ['APlarge', 'ap_large'],
  ['AR1', 'ar1'],
  ['AR10', 'ar10'],
  ['AR100', 'ar100'],
  ['ARsmall', 'ar_small'],
  ['ARmedium', 'ar_medium'],
  ['ARlarge', 'ar_large'],
];

function onlyInput(inputs: Record<string, ResolvedInput[]>, role: string): ResolvedInput {
  const given = inputs[role] ?? [];
  if (given.length !== 1) {
    throw new RunnerInputError(`evaluate-detection takes one '${role}' input, got ${given.length}`);
  }
  return given[0]!;
}

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

export const evaluateDetectionRunner = defineRunner({
  id: 'evaluate-detection',
  version: '1.0.0',
  description:
    "Scores an object detector on a COCO dataset with COCO's metrics (AP@[.5:.95], AP50, AP75, " +
    'AP and AR by object size, AR@1/10/100, AP per class), from a COCO results file or by ' +
    'running an ONNX detector on the images.',
  inputs: [
    {
      role: 'dataset',
      kind: 'DATASET_VERSION',
      description:
        'The ground truth: a COCO instances JSON file, or a folder holding one and the images.',
      formats: ['COCO'],
    },
    {
      role: 'model',
      kind: 'MODEL_VERSION',
      description:
        'A COCO results JSON file (PREDICTIONS), or an ONNX detector whose output layout the config declares.',
      formats: ['PREDICTIONS', 'ONNX'],
    },
  ],
  config: detectionConfig,
  async run({ inputs, config, seed, signal, emit }) {
    const datasetInput = onlyInput(inputs, 'dataset');
    const modelInput = onlyInput(inputs, 'model');
    if (modelInput.format !== 'PREDICTIONS' && modelInput.format !== 'ONNX') {
      throw new RunnerInputError(
        `${modelInput.ref} is a ${modelInput.format} model; detection takes PREDICTIONS or ONNX`,
      );
    }
    if (modelInput.format === 'ONNX' && !modelInput.localPath) {
      throw new RunnerInputError(`${modelInput.ref} is at ${modelInput.uri}, not in a local file`);
    }
    emit.progress({ fraction: 0, stage: 'reading', message: 'reading the ground truth' });
    const dataset = await readCocoDataset(datasetInput, config.annotationFile);
    const { groundTruth } = dataset;

    let results: CocoResult[];
    if (modelInput.format === 'PREDICTIONS') {
      results = await readPredictions(modelInput, groundTruth);
    } else {
      results = await detectWithOnnx({
        modelPath: modelInput.localPath!,
        dataset,
        config,
        signal,
        emit,
      });
      emit.artifact({
        name: 'detections.json',
        mediaType: 'application/json',
        bytes: json(results),
      });
    }
    signal.throwIfAborted();

    emit.progress({ fraction: 0.85, stage: 'evaluating', message: `${results.length} detections` });
    const summary = evaluateCoco(groundTruth, results);
    const images = summary.counts.images;

    let apInterval = null;
    if (config.bootstrapResamples > 0 && summary.metrics.AP !== null) {
      emit.progress({
        fraction: 0.9,
        stage: 'bootstrap',
        message: `${config.bootstrapResamples} resamples of ${images} images`,
      });
      const apOf = apOfImageResample(groundTruth, results);
      const resamples = config.bootstrapResamples;
      apInterval = await bootstrapIntervalAsync({
        size: images,
        resamples,
        level: config.confidenceLevel,
        seed,
        statistic: apOf,
        signal,
        onResample: (done) => {
          if (done % 10 === 0 || done === resamples) {
            emit.progress({
              fraction: 0.9 + (0.1 * done) / resamples,
              stage: 'bootstrap',
              message: `${done} of ${resamples} resamples`,
            });
          }
        },
      });
    }

    for (const [name, key] of METRIC_KEYS) {
      const value = summary.metrics[name];
      // pycocotools' -1 (no ground truth in that size range) is not a score: nothing is emitted.
      if (value === null) continue;
      const ci =
        key === 'ap' && apInterval
          ? { lower: apInterval.lower, upper: apInterval.upper, level: apInterval.level }
          : undefined;
      emit.metric({ key, value, sampleSize: images, ...(ci ? { ci } : {}) });
    }
    const names = classNames(summary.perClass);
    for (const c of summary.perClass) {
      // A class without ground truth has no AP (pycocotools' -1): nothing is emitted for it.
      if (c.AP === null) continue;
      emit.metric({
        key: 'ap',
        value: c.AP,
        slice: { class: names.get(c.categoryId)! },
        sampleSize: c.groundTruths,
      });
    }
    for (const finding of weakClassFindings(summary.perClass, config.weakClassRatio, 'model')) {
      emit.finding(finding);
    }

    const metrics = Object.fromEntries(
      METRIC_KEYS.map(([name, key]) => [key, summary.metrics[name]]),
    );
    emit.artifact({
      name: 'coco-metrics.json',
      mediaType: 'application/json',
      bytes: json({
        metrics,
        apInterval: apInterval && {
          lower: apInterval.lower,
          upper: apInterval.upper,
          level: apInterval.level,
          resamples: apInterval.resamples,
          method: 'percentile bootstrap over images',
          seed,
        },
        perClass: summary.perClass.map((c) => ({
          categoryId: c.categoryId,
          class: names.get(c.categoryId),
          ap: c.AP,
          ap50: c.AP50,
          ap75: c.AP75,
          groundTruths: c.groundTruths,
          detections: c.detections,
        })),
        counts: summary.counts,
        notes:
          'pycocotools COCOeval (bbox, default parameters); null where it reports -1 (no ground ' +
          'truth counts), and no metric is emitted for those.',
        groundTruth: relative(dataset.folder, dataset.annotationFile),
        predictions:
          modelInput.format === 'PREDICTIONS'
            ? { format: 'PREDICTIONS', ref: modelInput.ref }
            : {
                format: 'ONNX',
                ref: modelInput.ref,
                detector: config.detector,
                artifact: 'detections.json',
              },
      }),
    });
    emit.progress({ fraction: 1, stage: 'done', message: `AP ${summary.metrics.AP ?? 'n/a'}` });
  },
});
