// robustness: how a classifier's accuracy (or macro F1) holds up as its images are blurred,
// noised, darkened, compressed or rotated, each perturbed copy kept as a derived dataset.
import { defineRunner, RunnerInputError } from '../contract.ts';
import { readEvaluationSet } from '../evaluate-classification/class-mapping.ts';
import { estimateMetric } from '../evaluate-classification/emit-results.ts';
import { openImagePipeline } from '../evaluate-classification/image-pipeline.ts';
import { singleInput } from '../evaluate-classification/run-inputs.ts';
import type { LabelledImage } from '../images/image-folder.ts';
import { robustnessConfig } from './config.ts';
import { curveDocument, type PerturbationCurve, type RobustnessCurve } from './curve.ts';
import { robustnessFindings } from './findings.ts';
import { recordPerturbedVersion } from './perturbed-dataset.ts';
import { robustnessChartSvg } from './robustness-chart.ts';
import { sweptMetric } from './swept-metric.ts';

/** The robustness runner: a perturbation sweep, its derived datasets, curve, chart and findings. */
export const robustnessRunner = defineRunner({
  id: 'robustness',
  version: '1.0.0',
  description:
    'Sweeps image perturbations (gaussian blur, gaussian noise, brightness, contrast, JPEG quality, rotation) over a grid of severities: each perturbed copy of the dataset is recorded as a dataset version derived from it, and the ONNX classifier is re-evaluated on it. ' +
    'Reports the metric at each severity (sliced by perturbation and severity, with bootstrap intervals), a chart robustness.svg, and a ROBUSTNESS finding where the metric drops more than dropThreshold.',
  inputs: [
    {
      role: 'model',
      kind: 'MODEL_VERSION',
      description:
        'The classifier, an ONNX model (metadata may give index2label, inputSize, mean, std).',
      formats: ['ONNX'],
    },
    {
      role: 'dataset',
      kind: 'DATASET_VERSION',
      description: 'The clean labelled images, one folder per class.',
      formats: ['IMAGE_FOLDER'],
    },
  ],
  config: robustnessConfig,
  async run({ inputs, config, seed, signal, workDir, emit }) {
    if (inputs.model?.[0]?.format === 'PREDICTIONS') {
      throw new RunnerInputError(
        `${inputs.model[0].ref} is a PREDICTIONS file; robustness runs the model on perturbed images, so it needs the ONNX model`,
      );
    }
    const model = singleInput(inputs, 'model', ['ONNX']);
    const dataset = singleInput(inputs, 'dataset', ['IMAGE_FOLDER']);
    const { folder, mapping } = await readEvaluationSet(model, dataset);
    const pipeline = await openImagePipeline(model, mapping, config);
    try {
      emit.log('info', `preprocessing: ${pipeline.description}`);
      const n = folder.items.length;
      const steps = 1 + config.perturbations.reduce((sum, p) => sum + p.severities.length, 0);
      let step = 0;
      const measure = (items: readonly LabelledImage[], what: string) =>
        sweptMetric(pipeline, items, mapping, {
          metric: config.metric,
          batchSize: config.batchSize,
          resamples: config.bootstrapResamples,
          level: config.confidenceLevel,
          seed,
          signal,
          onBatch: (done) =>
            emit.progress({
              // Perturbing takes the first half of a perturbed step, evaluating the second.
              fraction: (step + (step === 0 ? done / n : 0.5 + done / n / 2)) / steps,
              stage: 'evaluating',
              message: `${what}: ${done} of ${n} images`,
            }),
        });
      const clean = await measure(folder.items, 'clean images');
      emit.metric(estimateMetric(config.metric, clean, n, { step: 0 }));
      const curves: PerturbationCurve[] = [];
      for (const { kind, severities } of config.perturbations) {
        const curve: PerturbationCurve = { kind, points: [] };
        for (const [index, severity] of severities.entries()) {
          signal.throwIfAborted();
          step++;
          emit.progress({
            fraction: step / steps,
            stage: 'perturbing',
            message: `${kind} ${severity}`,
          });
          const context = { emit, workDir, seed, signal };
          const perturbed = await recordPerturbedVersion(context, folder, kind, severity);
          const estimate = await measure(perturbed.folder.items, `${kind} ${severity}`);
          const slice = { perturbation: kind, severity: String(severity) };
          emit.metric(estimateMetric(config.metric, estimate, n, { slice, step: index + 1 }));
          curve.points.push({ severity, estimate, dataset: perturbed.stored });
          await emit.flushed();
        }
        curves.push(curve);
      }
      const curve: RobustnessCurve = { metric: config.metric, items: n, clean, curves };
      const encoder = new TextEncoder();
      emit.artifact({
        name: 'robustness.svg',
        mediaType: 'image/svg+xml',
        bytes: encoder.encode(robustnessChartSvg(curve)),
      });
      emit.artifact({
        name: 'robustness.json',
        mediaType: 'application/json',
        bytes: encoder.encode(JSON.stringify(curveDocument(curve, config.dropThreshold))),
      });
      for (const finding of robustnessFindings(curve, config.dropThreshold)) emit.finding(finding);
      emit.progress({
        fraction: 1,
        stage: 'done',
        message: `${steps - 1} perturbed sets evaluated`,
      });
    } finally {
      await pipeline.classifier.release();
    }
  },
});
