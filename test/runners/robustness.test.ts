import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineChartSvg } from '../../src/runners/plots/line-chart.ts';
import { robustnessRunner as runner } from '../../src/runners/robustness/index.ts';
import { coreutilsFolderDigest, tempFolder } from '../support/files.ts';
import { encodeImage } from '../support/image-datasets.ts';
import { linearImageClassifier, writeModel } from '../support/onnx-models.ts';
import { type Emitted, metricOf, resolvedInput, runRunner } from '../support/runner-harness.ts';

const temp = tempFolder();
afterAll(() => temp.remove());

// 16 x 16 images: 'plain' is grey 128, 'striped' has vertical stripes two pixels wide, black
// and white. The model scores 'striped' by the correlation of the image with the stripes:
// +1/768 on white columns, -1/768 on black ones, over the 3 x 16 x 16 values on the 0..1
// scale, so clean stripes score 384/768 = 0.5 and grey scores 0; 'plain' scores a constant
// 0.25. A gaussian blur of sigma s multiplies the stripes (a sinusoid of period 4 pixels plus
// their mean) by the kernel's response at that frequency, sum_k w_k cos(pi k / 2) / sum_k w_k
// with w_k = exp(-k^2 / (2 s^2)): 0.786 at s = 0.5 (score 0.39, still striped), 0.291 at
// s = 1 (0.15, taken for plain) and ~0 at s = 4. So accuracy is 1 clean and at sigma 0.5,
// and 0.5 (the plain images only) at sigma 1 and 4. Noise of std 0.1 barely moves the scores.
const SIDE = 16;
const stripe = (x: number) => (x % 4 < 2 ? 1 : -1);
const data = join(temp.path, 'stripes');
let modelPath = '';

beforeAll(async () => {
  for (const label of ['plain', 'striped']) mkdirSync(join(data, label), { recursive: true });
  for (let i = 0; i < 3; i++) {
    const grey = await encodeImage(SIDE, SIDE, () => [128, 128, 128]);
    writeFileSync(join(data, 'plain', `${i}.png`), grey);
    // Shifted by whole periods, so every striped image is the same pattern.
    const stripes = await encodeImage(SIDE, SIDE, (x) =>
      stripe(x + 4 * i) > 0 ? [255, 255, 255] : [0, 0, 0],
    );
    writeFileSync(join(data, 'striped', `${i}.png`), stripes);
  }
  modelPath = writeModel(
    join(temp.path, 'stripes.onnx'),
    linearImageClassifier({
      height: SIDE,
      width: SIDE,
      classes: 2,
      weight: (_channel, _y, x, cls) => (cls === 1 ? stripe(x) / (3 * SIDE * SIDE) : 0),
      bias: [0.25, 0],
    }),
  );
});

const inputs = () => [
  resolvedInput('model', 'MODEL_VERSION', modelPath, 'ONNX'),
  resolvedInput('dataset', 'DATASET_VERSION', data, 'IMAGE_FOLDER'),
];
const config = {
  perturbations: [
    { kind: 'gaussian-blur', severities: [0.5, 1, 4] },
    { kind: 'gaussian-noise', severities: [0.1] },
  ],
  bootstrapResamples: 200,
};
const svgOf = (emitted: Emitted) =>
  new TextDecoder().decode(emitted.artifacts.find((a) => a.name === 'robustness.svg')!.bytes);

/** The names of an XML document's elements, checking that they nest properly. */
function elementsOf(xml: string): string[] {
  const open: string[] = [];
  const names: string[] = [];
  for (const [tag, closing, name, selfClosing] of xml.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (closing) {
      expect(open.pop(), tag).toBe(name);
    } else {
      names.push(name!);
      if (!selfClosing) open.push(name!);
    }
  }
  expect(open).toEqual([]);
  return names;
}

describe('robustness', () => {
  let emitted: Emitted & { cleanup: () => void };
  beforeAll(async () => {
    emitted = await runRunner(runner, { inputs: inputs(), config, seed: 3 });
  });
  afterAll(() => emitted.cleanup());

  it('records each perturbed copy as a derived dataset version with its transform', () => {
    expect(emitted.datasetOutputs.map((o) => o.name)).toEqual([
      'gaussian-blur-0.5',
      'gaussian-blur-1',
      'gaussian-blur-4',
      'gaussian-noise-0.1',
    ]);
    for (const output of emitted.datasetOutputs) {
      expect(output.format).toBe('IMAGE_FOLDER');
      expect(output.derivedFrom).toBe('dataset');
      expect(output.labels).toEqual(['plain', 'striped']);
      expect(output.itemCount).toBe(6);
      expect(output.stored.digest).toBe(coreutilsFolderDigest(output.stored.localPath));
    }
    expect(emitted.datasetOutputs[1]!.transform).toMatchObject({
      name: 'gaussian-blur',
      parameter: 1,
      seed: 3,
    });
    expect(emitted.datasetOutputs[3]!.transform).toMatchObject({
      name: 'gaussian-noise',
      parameter: 0.1,
      seed: 3,
    });
  });

  it('reports the metric clean and at each severity, falling with blur', () => {
    const clean = metricOf(emitted, 'accuracy');
    expect(clean).toMatchObject({ value: 1, step: 0, sampleSize: 6 });
    const expected: Array<[string, string, number, number]> = [
      ['gaussian-blur', '0.5', 1, 1],
      ['gaussian-blur', '1', 0.5, 2],
      ['gaussian-blur', '4', 0.5, 3],
      ['gaussian-noise', '0.1', 1, 1],
    ];
    for (const [perturbation, severity, value, step] of expected) {
      const metric = metricOf(emitted, 'accuracy', { perturbation, severity });
      expect(metric.value, `${perturbation} ${severity}`).toBe(value);
      expect(metric.step).toBe(step);
      expect(metric.ci!.lower).toBeLessThanOrEqual(value);
      expect(metric.ci!.upper).toBeGreaterThanOrEqual(value);
    }
    // Every item is right at sigma 0.5, so every resample is too.
    expect(
      metricOf(emitted, 'accuracy', { perturbation: 'gaussian-blur', severity: '0.5' }).ci,
    ).toEqual({
      lower: 1,
      upper: 1,
      level: 0.95,
    });
  });

  it('raises a finding for the blur, from the first severity that drops', () => {
    expect(emitted.findings).toHaveLength(1);
    const [finding] = emitted.findings;
    expect(finding).toMatchObject({ kind: 'ROBUSTNESS', severity: 'HIGH', subjectRole: 'model' });
    expect(finding!.evidence).toMatchObject({
      metric: 'accuracy',
      perturbation: 'gaussian-blur',
      clean: 1,
      threshold: 0.1,
      firstSeverity: 1,
      valueAtFirstSeverity: 0.5,
      dropAtFirstSeverity: 0.5,
    });
  });

  it('draws the curve as a well-formed SVG chart, with the numbers in robustness.json', () => {
    const svg = svgOf(emitted);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const elements = elementsOf(svg);
    expect(elements.filter((name) => name === 'polyline')).toHaveLength(2);
    expect(svg).toContain('data-name="gaussian-blur"');
    expect(svg).toContain('data-name="gaussian-noise"');
    expect(svg).toContain('clean 1.000');
    const artifact = emitted.artifacts.find((a) => a.name === 'robustness.json')!;
    const document = JSON.parse(new TextDecoder().decode(artifact.bytes));
    expect(document.perturbations[0].points.map((p: { value: number }) => p.value)).toEqual([
      1, 0.5, 0.5,
    ]);
    expect(emitted.artifacts.find((a) => a.name === 'robustness.svg')!.mediaType).toBe(
      'image/svg+xml',
    );
  });

  it('makes the same copies, digests and numbers from the same seed', async () => {
    const again = await runRunner(runner, { inputs: inputs(), config, seed: 3 });
    const other = await runRunner(runner, { inputs: inputs(), config, seed: 4 });
    try {
      const digests = (e: Emitted) => e.datasetOutputs.map((o) => o.stored.digest);
      expect(digests(again)).toEqual(digests(emitted));
      expect(again.metrics).toEqual(emitted.metrics);
      expect(svgOf(again)).toBe(svgOf(emitted));
      // Blur draws no random numbers; noise does.
      expect(digests(other).slice(0, 3)).toEqual(digests(emitted).slice(0, 3));
      expect(digests(other)[3]).not.toBe(digests(emitted)[3]);
    } finally {
      again.cleanup();
      other.cleanup();
    }
  });

  it('refuses a predictions file, and severities out of range', async () => {
    const predictions = join(temp.path, 'predictions.jsonl');
    writeFileSync(predictions, '');
    const model = resolvedInput('model', 'MODEL_VERSION', predictions, 'PREDICTIONS');
    await expect(runRunner(runner, { inputs: [model, inputs()[1]!] })).rejects.toThrow(
      'robustness runs the model on perturbed images, so it needs the ONNX model',
    );
    const parsed = runner.config.safeParse({
      perturbations: [{ kind: 'jpeg-quality', severities: [50, 0] }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({
      path: ['perturbations', 0, 'severities', 1],
      message: 'jpeg-quality takes a JPEG quality, 1..100; 0 is out of range',
    });
  });

  it('has a default sweep a first-time user can run as it is', () => {
    const defaults = runner.config.parse({});
    expect(defaults.metric).toBe('accuracy');
    expect(defaults.perturbations.map((p) => p.kind)).toEqual([
      'gaussian-blur',
      'gaussian-noise',
      'brightness',
      'contrast',
      'jpeg-quality',
      'rotation',
    ]);
  });
});

describe('lineChartSvg', () => {
  it('escapes text and draws error bars for intervals', () => {
    const svg = lineChartSvg({
      title: 'a <b> & "c"',
      yLabel: 'y',
      panels: [
        {
          title: 'p',
          xLabel: 'x',
          series: [
            {
              name: 's<1>',
              points: [
                { x: 0, y: 0.5, lower: 0.4, upper: 0.6 },
                { x: 1, y: 0.7 },
              ],
            },
            { name: 't', points: [{ x: 0, y: 0.1 }] },
          ],
        },
      ],
    });
    expect(elementsOf(svg).filter((name) => name === 'path')).toHaveLength(1);
    expect(svg).toContain('<title>a &#60;b&#62; &#38; &#34;c&#34;</title>');
    expect(svg).toContain('data-name="s&#60;1&#62;"');
    expect(svg).not.toContain('<b>');
  });
});
