// evaluate-classification: a model version on an image-folder dataset version, with accuracy,
// top-k accuracy, per-class and averaged F1, the confusion matrix and calibration, every
// headline number with a seeded bootstrap confidence interval.
import { z } from 'zod';
import { defineRunner, type Emitter, type ResolvedInput } from '../contract.ts';
import type { ImageFolder } from '../images/image-folder.ts';
import { type ClassMapping, readEvaluationSet } from './class-mapping.ts';
import { classificationResults } from './classification-results.ts';
import { intervalFields, modelRunFields } from './config.ts';
import { emitResults } from './emit-results.ts';
import { evaluationFindings } from './findings.ts';
import { openImagePipeline } from './image-pipeline.ts';
import { scoreImages } from './image-scores.ts';
import {
  type ItemOutcomes,
  type OutcomeOptions,
  outcomesFromLabels,
  outcomesFromScores,
} from './item-outcomes.ts';
import { PREDICTIONS_EXTENSIONS, readPredictions } from './predictions-file.ts';
import type { HeadlineMetric } from './resample-counts.ts';
import { singleInput, versionFile } from './run-inputs.ts';

const HEADLINE: readonly HeadlineMetric[] = [
  'accuracy',
  'top_k_accuracy',
  'macro_f1',
  'micro_f1',
  'weighted_f1',
  'ece',
];

/** Share of the progress bar the model's pass over the images takes; metrics take the rest. */
const INFERENCE_SHARE = 0.9;

const evaluateConfig = z
  .object({
    ...modelRunFields,
    topK: z
      .number()
      .int()
      .min(2)
      .max(1000)
      .default(5)
      .describe(
        'k of top-k accuracy (the true class among the k highest scores); not reported when there are k classes or fewer.',
      ),
    calibrationBins: z
      .number()
      .int()
      .min(2)
      .max(100)
      .default(15)
      .describe(
        'Equal-width confidence bins of the expected calibration error and reliability bins.',
      ),
    ...intervalFields,
    eceThreshold: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.1)
      .describe('Expected calibration error above which a CALIBRATION finding is raised.'),
    classRecallGap: z
      .number()
      .gt(0)
      .max(1)
      .default(0.2)
      .describe(
        "A class whose recall is this much (absolute) below the other classes' mean recall gets a CLASS_PERFORMANCE finding.",
      ),
    minClassSupport: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe('Classes with fewer images are not judged for CLASS_PERFORMANCE findings.'),
  })
  .strict();

type EvaluateConfig = z.output<typeof evaluateConfig>;

/** Warns about images the evaluation leaves out. */
function reportLeftOut(folder: ImageFolder, emit: Emitter): void {
  if (folder.unlabeled.length) {
    emit.log(
      'warn',
      `${folder.unlabeled.length} images directly in the dataset folder have no class folder and are left out`,
    );
  }
  if (folder.unsupported.length) {
    emit.log(
      'warn',
      `${folder.unsupported.length} images in a format that cannot be decoded (${folder.unsupported[0]}, ...) are left out`,
    );
  }
}

/** Runs the ONNX model over the images, reporting progress per batch. */
async function onnxOutcomes(
  context: { config: EvaluateConfig; emit: Emitter; signal: AbortSignal },
  model: ResolvedInput,
  folder: ImageFolder,
  mapping: ClassMapping,
  options: OutcomeOptions,
): Promise<ItemOutcomes> {
  const { config, emit, signal } = context;
  const pipeline = await openImagePipeline(model, mapping, config);
  try {
    emit.log('info', `preprocessing: ${pipeline.description}`);
    const total = folder.items.length;
    let batches = 0;
    const scores = await scoreImages(pipeline, folder.items, mapping, {
      batchSize: config.batchSize,
      signal,
      onBatch: async (done) => {
        emit.progress({
          fraction: (INFERENCE_SHARE * done) / total,
          stage: 'inference',
          message: `${done} of ${total} images`,
        });
        if (++batches % 16 === 0) await emit.flushed();
      },
    });
    const truth = Int32Array.from(folder.items, (item) => item.labelIndex);
    return outcomesFromScores(truth, scores, mapping.labels.length, options);
  } finally {
    await pipeline.classifier.release();
  }
}

/** Reads the outcomes from a PREDICTIONS file (see readPredictions for its format). */
async function predictionOutcomes(
  model: ResolvedInput,
  folder: ImageFolder,
  mapping: ClassMapping,
  outputs: EvaluateConfig['outputs'],
  options: OutcomeOptions,
): Promise<ItemOutcomes> {
  const file = await versionFile(model, PREDICTIONS_EXTENSIONS);
  const predictions = await readPredictions(file, folder.items, mapping, outputs);
  const truth = Int32Array.from(folder.items, (item) => item.labelIndex);
  const classes = mapping.labels.length;
  return predictions.scores
    ? outcomesFromScores(truth, predictions.scores, classes, options)
    : outcomesFromLabels(truth, predictions.predicted!, classes, options);
}

/** The evaluate-classification runner: metrics, intervals, artifacts and findings of a classifier. */
export const evaluateClassificationRunner = defineRunner({
  id: 'evaluate-classification',
  version: '1.0.0',
  description:
    'Evaluates an image classifier on an IMAGE_FOLDER dataset: accuracy, top-k accuracy, per-class precision/recall/F1, macro/micro/weighted F1, the confusion matrix and calibration (ECE, reliability bins), each headline number with a seeded bootstrap confidence interval (95% by default). ' +
    'The model is an ONNX file run on the CPU, or a PREDICTIONS file from a model run elsewhere: JSONL lines {"id": "<image path relative to the dataset folder>", "scores": [one per model class]} or {"id", "label": "<class name>"}, or a CSV with columns id,label.',
  inputs: [
    {
      role: 'model',
      kind: 'MODEL_VERSION',
      description:
        'The classifier: an ONNX model (metadata may give index2label, inputSize, mean, std), or its PREDICTIONS for every image of the dataset.',
      formats: ['ONNX', 'PREDICTIONS'],
    },
    {
      role: 'dataset',
      kind: 'DATASET_VERSION',
      description: 'Labelled images, one folder per class.',
      formats: ['IMAGE_FOLDER'],
    },
  ],
  config: evaluateConfig,
  async run({ inputs, config, seed, signal, emit }) {
    const model = singleInput(inputs, 'model', ['ONNX', 'PREDICTIONS']);
    const dataset = singleInput(inputs, 'dataset', ['IMAGE_FOLDER']);
    const { folder, mapping } = await readEvaluationSet(model, dataset);
    reportLeftOut(folder, emit);
    const options = { topK: config.topK, bins: config.calibrationBins };
    const classes = mapping.labels.length;
    let outcomes: ItemOutcomes;
    if (model.format === 'ONNX') {
      outcomes = await onnxOutcomes({ config, emit, signal }, model, folder, mapping, options);
    } else {
      outcomes = await predictionOutcomes(model, folder, mapping, config.outputs, options);
      if (!outcomes.scores) {
        emit.log(
          'info',
          'the predictions give labels only: top_k_accuracy, ece and the reliability bins need scores and are not reported',
        );
      }
    }
    if (outcomes.scores && config.topK >= classes) {
      emit.log(
        'info',
        `top_k_accuracy is not reported: with ${classes} classes the true class is always among the top ${config.topK}`,
      );
    }
    emit.progress({ fraction: INFERENCE_SHARE, stage: 'metrics', message: 'bootstrap intervals' });
    const results = await classificationResults(outcomes, mapping.labels, {
      metrics: HEADLINE,
      perClass: true,
      resamples: config.bootstrapResamples,
      level: config.confidenceLevel,
      seed,
      signal,
    });
    emitResults(emit, results, folder.items);
    for (const finding of evaluationFindings(results, config)) emit.finding(finding);
    emit.progress({ fraction: 1, stage: 'done', message: `${results.items} images evaluated` });
  },
});
