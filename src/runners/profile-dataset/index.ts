// Profiles an image-folder dataset: what it holds, how its classes balance, and what is wrong
// with it (copies, odd images, label problems, broken files), reported rather than refused.
import { defineRunner, type Emitter, RunnerInputError } from '../contract.ts';
import { type ImageFile, readImageFolderInput } from '../images/image-folder.ts';
import type { ImageStatistics } from '../images/image-statistics.ts';
import { mapImages } from '../images/image-work.ts';
import { hashToHex } from '../images/perceptual-hash.ts';
import { median, medianAbsoluteDeviation } from '../stats/descriptive.ts';
import { classBalance, classImbalanceFinding } from './class-balance.ts';
import { profileConfig } from './config.ts';
import { duplicatesFinding, nearDuplicatesFinding } from './duplicate-findings.ts';
import { exactDuplicateGroups, nearDuplicatePairs, pairGroups } from './duplicates.ts';
import { measureImage } from './image-measurements.ts';
import { imageOutlierFinding, imageOutliers } from './image-outliers.ts';
import { corruptImageFinding, missingLabelFinding, unknownLabelFinding } from './label-findings.ts';

/** An image of the dataset, with its class and whether the label set has that class. */
interface ProfileItem extends ImageFile {
  label: string | null;
  labelStatus: 'labelled' | 'missing' | 'unknown class';
}

const SUMMARY_MEASURES = ['brightness', 'contrast', 'sharpness', 'width', 'height'] as const;

/** Median, MAD, minimum and maximum of each measure over the decoded images. */
function summaryOf(statistics: ImageStatistics[]) {
  return Object.fromEntries(
    SUMMARY_MEASURES.map((measure) => {
      const values = statistics.map((s) => s[measure]);
      return [
        measure,
        {
          median: median(values),
          mad: medianAbsoluteDeviation(values),
          min: Math.min(...values),
          max: Math.max(...values),
        },
      ];
    }),
  );
}

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

function emitAll(emit: Emitter, findings: ReturnType<typeof duplicatesFinding>[]): void {
  for (const finding of findings) if (finding) emit.finding(finding);
}

export const profileDatasetRunner = defineRunner({
  id: 'profile-dataset',
  version: '1.0.0',
  description:
    'Profiles an image-folder dataset: item and class counts, class balance, exact and near ' +
    'duplicates, image size, brightness, contrast and sharpness with their outliers, and label ' +
    'problems and broken files, each reported as a finding.',
  inputs: [
    {
      role: 'dataset',
      kind: 'DATASET_VERSION',
      description: 'The dataset to profile: a folder with one subfolder of images per class.',
      formats: ['IMAGE_FOLDER'],
    },
  ],
  config: profileConfig,
  async run({ inputs, config, signal, emit }) {
    const given = inputs.dataset ?? [];
    if (given.length !== 1) {
      throw new RunnerInputError(`profile-dataset takes one 'dataset' input, got ${given.length}`);
    }
    const input = given[0]!;
    emit.progress({ fraction: 0, stage: 'listing', message: input.ref });
    const folder = await readImageFolderInput(input, { outsideLabels: 'keep' });
    const items: ProfileItem[] = [
      ...folder.items.map((i) => ({ ...i, labelStatus: 'labelled' as const })),
      ...folder.outsideLabels.map((i) => ({ ...i, labelStatus: 'unknown class' as const })),
      ...folder.unlabeled.map((i) => ({ ...i, label: null, labelStatus: 'missing' as const })),
    ]
      .map(({ id, path, label, labelStatus }) => ({ id, path, label, labelStatus }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

    const step = Math.max(1, Math.floor(items.length / 50));
    const measurements = await mapImages(items, (item) => measureImage(item, config.maxSide), {
      concurrency: config.concurrency,
      signal,
      onDone: (done) => {
        if (done % step === 0 || done === items.length) {
          emit.progress({
            fraction: (0.8 * done) / items.length,
            stage: 'measuring',
            message: `${done} of ${items.length} images`,
          });
        }
      },
    });
    await emit.flushed();

    const statistics = measurements.map((m) => m.statistics);
    const decoded = statistics.filter((s) => s !== null);
    const corrupt = items.flatMap((item, i) =>
      measurements[i]!.error === null ? [] : [{ id: item.id, error: measurements[i]!.error! }],
    );
    const exactGroups = exactDuplicateGroups(measurements.map((m) => m.sha256));
    // Near duplicates are looked for among distinct contents: one image per exact group.
    const copies = new Set(exactGroups.flatMap((group) => group.slice(1)));
    emit.progress({ fraction: 0.85, stage: 'near duplicates' });
    const nearPairs = await nearDuplicatePairs(
      measurements.map((m, i) => (copies.has(i) ? null : m.phash)),
      config.nearDuplicateDistance,
      signal,
    );
    const outlierGroups = imageOutliers(statistics, config.outlierThreshold);
    const outliers = new Set(outlierGroups.flatMap((g) => g.items.map((item) => item.index)));
    const balance = classBalance(
      folder.labels,
      items.flatMap((item) => (item.labelStatus === 'labelled' ? [item.label!] : [])),
    );
    const missing = items.filter((item) => item.labelStatus === 'missing').map((item) => item.id);
    const unknown = items.flatMap((item) =>
      item.labelStatus === 'unknown class' ? [{ id: item.id, label: item.label! }] : [],
    );
    const duplicateCount = exactGroups.reduce((sum, group) => sum + group.length - 1, 0);

    const sampleSize = items.length + folder.unsupported.length;
    const metric = (key: string, value: number | null, slice?: Record<string, string>) => {
      if (value !== null) emit.metric({ key, value, sampleSize, ...(slice ? { slice } : {}) });
    };
    metric('item_count', sampleSize);
    metric('class_count', folder.labels.length);
    for (const { class: label, items: count } of balance.counts) {
      metric('items', count, { class: label });
    }
    metric('class_entropy_bits', balance.entropyBits);
    metric('class_entropy_normalized', balance.entropyNormalized);
    metric('imbalance_ratio', balance.imbalanceRatio);
    metric('duplicate_count', duplicateCount);
    metric('near_duplicate_pairs', nearPairs.length);
    metric('outlier_count', outliers.size);
    metric('corrupt_count', corrupt.length + folder.unsupported.length);
    metric('label_problem_count', missing.length + unknown.length);
    const summary = decoded.length ? summaryOf(decoded) : null;
    if (summary) {
      for (const measure of SUMMARY_MEASURES) metric(`median_${measure}`, summary[measure]!.median);
    }

    const ids = items.map((item) => item.id);
    const profiled = items.map(({ id, label }) => ({ id, label }));
    emitAll(emit, [
      duplicatesFinding(exactGroups, profiled, config.maxListed),
      nearDuplicatesFinding(nearPairs, profiled, config.nearDuplicateDistance, config.maxListed),
      classImbalanceFinding(balance, config),
      imageOutlierFinding(outlierGroups, ids, decoded.length, config.maxListed),
      missingLabelFinding(missing, config.maxListed),
      unknownLabelFinding(unknown, folder.labels, config.maxListed),
      corruptImageFinding(corrupt, folder.unsupported, config.maxListed),
    ]);

    emit.artifact({
      name: 'profile.json',
      mediaType: 'application/json',
      bytes: json({
        dataset: input.ref,
        labelSet: folder.labels,
        counts: {
          items: sampleSize,
          labelled: items.length - missing.length - unknown.length,
          missingLabel: missing.length,
          unknownClass: unknown.length,
          corrupt: corrupt.length,
          unsupported: folder.unsupported.length,
          notItems: folder.ignored.length,
        },
        classBalance: balance,
        summary,
        exactDuplicates: exactGroups.map((group) => group.map((i) => ids[i])),
        nearDuplicates: {
          maxHammingDistance: config.nearDuplicateDistance,
          pairs: nearPairs.map(({ a, b, distance }) => ({ a: ids[a], b: ids[b], distance })),
          groups: pairGroups(nearPairs).map((group) => group.map((i) => ids[i])),
        },
        outliers: outlierGroups.map((group) => ({
          ...group,
          items: group.items.map(({ index, value, score }) => ({ id: ids[index], value, score })),
        })),
        unsupported: folder.unsupported,
        items: items.map((item, i) => {
          const m = measurements[i]!;
          return {
            id: item.id,
            label: item.label,
            labelStatus: item.labelStatus,
            sha256: m.sha256,
            phash: m.phash === null ? null : hashToHex(m.phash),
            ...(m.statistics ?? {}),
            error: m.error,
          };
        }),
      }),
    });
    emit.progress({ fraction: 1, stage: 'done', message: `${sampleSize} items` });
  },
});
