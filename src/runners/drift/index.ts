// Data drift between a reference dataset version and an evaluation dataset version: per-feature
// KS and Cramér-von Mises tests with multiple-testing correction, MMD over all features, and a
// chi-square test of the labels.
import type { Emitter, ResolvedInput } from '../contract.ts';
import { defineRunner, RunnerInputError } from '../contract.ts';
import { type DriftConfig, driftConfig } from './config.ts';
import { featureDriftFinding, labelDriftFinding } from './drift-findings.ts';
import { type FeatureSet, sharedFeatures } from './feature-set.ts';
import { testFeatures } from './feature-tests.ts';
import { embeddingFeatures, ImageEmbedder } from './image-embedding.ts';
import { imageStatisticsFeatures } from './image-features.ts';
import { testJointly } from './joint-test.ts';
import { testLabels } from './label-shift.ts';
import { tableFeatures } from './table-features.ts';

type Extractor = Exclude<DriftConfig['extractor'], 'auto'>;

const TABLE_FORMATS = ['CSV', 'JSONL'];

function inputsOf(inputs: Record<string, ResolvedInput[]>, role: string, optional = false) {
  const given = inputs[role] ?? [];
  if (given.length > 1 || (given.length === 0 && !optional)) {
    throw new RunnerInputError(
      `drift takes ${optional ? 'at most ' : ''}one '${role}' input, got ${given.length}`,
    );
  }
  return given[0] ?? null;
}

/** The extractor the config and the inputs' formats call for, checked against each other. */
function chooseExtractor(
  configured: DriftConfig['extractor'],
  reference: ResolvedInput,
  dataset: ResolvedInput,
  embedding: ResolvedInput | null,
): Extractor {
  const kind = (input: ResolvedInput) => {
    if (TABLE_FORMATS.includes(input.format)) return 'table';
    if (input.format === 'IMAGE_FOLDER') return 'images';
    throw new RunnerInputError(
      `${input.ref} is a ${input.format} dataset; drift compares IMAGE_FOLDER, CSV or JSONL datasets`,
    );
  };
  const kinds = [kind(reference), kind(dataset)];
  if (kinds[0] !== kinds[1]) {
    throw new RunnerInputError(
      `the reference ${reference.ref} is ${reference.format} but the dataset ${dataset.ref} is ` +
        `${dataset.format}; drift compares two tables or two image folders`,
    );
  }
  const tables = kinds[0] === 'table';
  const extractor: Extractor =
    configured !== 'auto'
      ? configured
      : tables
        ? 'table'
        : embedding
          ? 'embedding'
          : 'image-statistics';
  if (tables !== (extractor === 'table')) {
    throw new RunnerInputError(
      `extractor '${extractor}' does not apply to ${reference.format} datasets`,
    );
  }
  if (extractor === 'embedding') {
    if (!embedding) {
      throw new RunnerInputError("extractor 'embedding' needs an 'embedding' model input");
    }
    if (embedding.format !== 'ONNX' || !embedding.localPath) {
      throw new RunnerInputError(
        `the embedding model ${embedding.ref} must be a local ONNX file, not ${embedding.format} at ${embedding.uri}`,
      );
    }
  }
  return extractor;
}

/** The features of both datasets, by the chosen extractor. */
async function extractBoth(
  extractor: Extractor,
  inputs: [ResolvedInput, ResolvedInput],
  embedding: ResolvedInput | null,
  config: DriftConfig,
  signal: AbortSignal,
  emit: Emitter,
): Promise<[FeatureSet, FeatureSet]> {
  const progress = (side: number) => (done: number, total: number) => {
    if (done % Math.max(1, Math.floor(total / 20)) === 0 || done === total) {
      emit.progress({
        fraction: 0.35 * side + (0.35 * done) / total,
        stage: 'extracting features',
        message: `${inputs[side]!.ref}: ${done} of ${total} images`,
      });
    }
  };
  if (extractor === 'table') {
    const options = { features: config.features, labelField: config.labelField };
    return [await tableFeatures(inputs[0], options), await tableFeatures(inputs[1], options)];
  }
  if (extractor === 'image-statistics') {
    const options = (side: number) => ({
      features: config.features,
      maxSide: config.maxSide,
      signal,
      onDone: progress(side),
    });
    return [
      await imageStatisticsFeatures(inputs[0], options(0)),
      await imageStatisticsFeatures(inputs[1], options(1)),
    ];
  }
  const embedder = await ImageEmbedder.load(embedding!.localPath!, config.embedding);
  try {
    const run = (side: number) =>
      embeddingFeatures(inputs[side]!, embedder, config.embedding, {
        signal,
        onDone: progress(side),
      });
    return [await run(0), await run(1)];
  } finally {
    await embedder.release();
  }
}

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

export const driftRunner = defineRunner({
  id: 'drift',
  version: '1.0.0',
  description:
    'Tests whether an evaluation dataset is distributed like a reference version: per feature ' +
    '(KS and Cramér-von Mises, multiple-testing corrected), jointly (MMD), and in its labels ' +
    "(chi-square). Features are table columns, image statistics or an embedding model's output.",
  inputs: [
    {
      role: 'reference',
      kind: 'DATASET_VERSION',
      description: 'The version the model was built or validated on.',
      formats: ['IMAGE_FOLDER', 'CSV', 'JSONL'],
    },
    {
      role: 'dataset',
      kind: 'DATASET_VERSION',
      description: 'The version checked for drift from the reference, in the same format.',
      formats: ['IMAGE_FOLDER', 'CSV', 'JSONL'],
    },
    {
      role: 'embedding',
      kind: 'MODEL_VERSION',
      description: 'An ONNX image model whose output is compared instead of image statistics.',
      formats: ['ONNX'],
      optional: true,
    },
  ],
  config: driftConfig,
  async run({ inputs, config, seed, signal, emit }) {
    const reference = inputsOf(inputs, 'reference')!;
    const dataset = inputsOf(inputs, 'dataset')!;
    const embedding = inputsOf(inputs, 'embedding', true);
    const extractor = chooseExtractor(config.extractor, reference, dataset, embedding);
    if (embedding && extractor !== 'embedding') {
      emit.log(
        'warn',
        `the embedding model ${embedding.ref} is not used by extractor '${extractor}'`,
      );
    }
    emit.progress({ fraction: 0, stage: 'extracting features', message: extractor });
    const [ref, data] = await extractBoth(
      extractor,
      [reference, dataset],
      embedding,
      config,
      signal,
      emit,
    );
    await emit.flushed();

    const features = sharedFeatures(ref, data);
    const onlyOneSide = [
      ...ref.names
        .filter((name) => !data.names.includes(name))
        .map((name) => `${name} (reference only)`),
      ...data.names
        .filter((name) => !ref.names.includes(name))
        .map((name) => `${name} (dataset only)`),
    ];
    if (features.length === 0) {
      throw new RunnerInputError(
        `the reference and the dataset have no feature in common (reference: ${ref.names.join(', ') || 'none'}; dataset: ${data.names.join(', ') || 'none'})`,
      );
    }
    if (onlyOneSide.length) {
      emit.log(
        'warn',
        `features not compared, as only one side has them: ${onlyOneSide.join(', ')}`,
      );
    }

    emit.progress({ fraction: 0.7, stage: 'testing', message: `${features.length} features` });
    const tests = await testFeatures(ref, data, features, { ...config, signal });
    emit.progress({ fraction: 0.8, stage: 'testing', message: 'MMD' });
    const joint =
      config.mmdPermutations > 0
        ? await testJointly(ref, data, features, {
            permutations: config.mmdPermutations,
            maxRows: config.mmdMaxRows,
            seed,
            signal,
          })
        : null;
    const labels = ref.labels && data.labels ? testLabels(ref.labels, data.labels) : null;

    for (const t of tests.tested) {
      const slice = { feature: t.feature };
      const sampleSize = t.reference.count + t.dataset.count;
      const metric = (key: string, value: number) => emit.metric({ key, value, slice, sampleSize });
      metric('ks_statistic', t.ks.statistic);
      metric('ks_p_value', t.ks.pValue);
      metric('ks_p_value_adjusted', t.ks.adjustedPValue);
      metric('cvm_statistic', t.cvm.statistic);
      metric('cvm_p_value', t.cvm.pValue);
      metric('cvm_p_value_adjusted', t.cvm.adjustedPValue);
      metric('median_difference', t.medianDifference);
    }
    emit.metric({ key: 'drifted_features', value: tests.tested.filter((t) => t.drifted).length });
    if (joint) {
      const sampleSize = joint.rows.referenceUsed + joint.rows.datasetUsed;
      emit.metric({ key: 'mmd2', value: joint.mmd2, sampleSize });
      emit.metric({ key: 'mmd_p_value', value: joint.pValue, sampleSize });
    }
    if (labels) {
      const sampleSize = ref.labels!.length + data.labels!.length;
      emit.metric({ key: 'label_chi2', value: labels.statistic, sampleSize });
      emit.metric({ key: 'label_chi2_p_value', value: labels.pValue, sampleSize });
    }

    const settings = { alpha: config.alpha, correction: config.correction, extractor };
    const featureFinding = featureDriftFinding(tests, joint, settings);
    if (featureFinding) emit.finding(featureFinding);
    const labelFinding = labels && labelDriftFinding(labels, config.alpha);
    if (labelFinding) emit.finding(labelFinding);

    emit.artifact({
      name: 'drift.json',
      mediaType: 'application/json',
      bytes: json({
        reference: { ref: reference.ref, rows: ref.rows },
        dataset: { ref: dataset.ref, rows: data.rows },
        extractor,
        embeddingModel: extractor === 'embedding' ? embedding!.ref : null,
        alpha: config.alpha,
        correction: config.correction,
        seed,
        features: tests.tested,
        skippedFeatures: tests.skipped,
        notCompared: onlyOneSide,
        mmd: joint && {
          ...joint,
          maxRows: config.mmdMaxRows,
          significant: joint.pValue <= config.alpha,
        },
        labels: labels && { ...labels, significant: labels.pValue <= config.alpha },
        driftedFeatures: tests.tested.filter((t) => t.drifted).map((t) => t.feature),
        notes:
          'Per-feature p-values are adjusted as one family of 2 x features tests; MMD (unbiased ' +
          'MMD², Gaussian kernel, median-heuristic bandwidth, on features standardised over both ' +
          'subsamples) and the label chi-square are single tests at alpha.',
      }),
    });
    emit.progress({ fraction: 1, stage: 'done' });
  },
});
