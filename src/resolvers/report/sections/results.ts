// What the runs measured: headline metrics, per-class tables, confusion matrices and
// robustness curves of the runs that evaluate a model; the profile and drift of the data for
// the runs that examine datasets. Every number is a stored metric, printed with its interval.
import { encodeGlobalId } from '../../core/global-id.ts';
import type { MetricRow } from '../../runs/results.ts';
import type { RunRow } from '../../runs/status.ts';
import type { Block, Content, Section } from '../document.ts';
import { formatInterval, formatNumber, metricInterval } from '../format.ts';
import { isRequirementFinding, SEVERITIES } from './summary.ts';
import type { ReportView } from './view.ts';

type Slice = Record<string, string>;

const sliceOf = (metric: MetricRow) => metric.slice as Slice;

/** The slice labels, sorted: the shape of a metric ("class", "perturbation,severity"). */
const shapeOf = (metric: MetricRow) => Object.keys(sliceOf(metric)).sort().join(',');

/** Of a value reported at several steps (a training curve), the last. */
function lastSteps(metrics: readonly MetricRow[]): MetricRow[] {
  const last = new Map<string, MetricRow>();
  for (const metric of metrics) {
    const key = `${metric.key}\u0000${metric.sliceKey}`;
    const seen = last.get(key);
    if (!seen || metric.step >= seen.step) last.set(key, metric);
  }
  return [...last.values()];
}

const valueWithInterval = (metric: MetricRow | undefined): string =>
  metric
    ? `${formatNumber(metric.value)}${metricInterval(metric) ? ` ${formatInterval(metricInterval(metric))}` : ''}`
    : '–';

function metricTable(metrics: readonly MetricRow[]): Block {
  return {
    kind: 'table',
    columns: [
      { title: 'Metric' },
      { title: 'Value', numeric: true },
      { title: '95% interval', numeric: true },
      { title: 'n', numeric: true },
    ],
    rows: metrics.map((m) => [
      { code: m.key },
      formatNumber(m.value),
      formatInterval(metricInterval(m)),
      m.sampleSize === null ? '–' : String(m.sampleSize),
    ]),
  };
}

/** Metrics sliced by one label (class, feature) as a table: a row per value, a column per key. */
function pivot(metrics: readonly MetricRow[], label: string, title: string): Block | null {
  const sliced = metrics.filter((m) => shapeOf(m) === label);
  if (!sliced.length) return null;
  const rows = [...new Set(sliced.map((m) => sliceOf(m)[label]!))];
  const keys = [...new Set(sliced.map((m) => m.key))];
  const cell = new Map(sliced.map((m) => [`${m.key}\u0000${sliceOf(m)[label]}`, m]));
  return {
    kind: 'table',
    columns: [{ title }, ...keys.map((key) => ({ title: key, numeric: true }))],
    rows: rows.map((row) => [
      row,
      ...keys.map((key) => valueWithInterval(cell.get(`${key}\u0000${row}`))),
    ]),
  };
}

const wholeData = (metrics: readonly MetricRow[]) => metrics.filter((m) => m.sliceKey === '');

function confusionMatrix(metrics: readonly MetricRow[]): Block[] {
  const cells = metrics.filter(
    (m) => m.key === 'confusion_count' && shapeOf(m) === 'predicted,true',
  );
  if (!cells.length) return [];
  const labels = [
    ...new Set([
      ...metrics.filter((m) => shapeOf(m) === 'class').map((m) => sliceOf(m).class!),
      ...cells.flatMap((m) => [sliceOf(m).true!, sliceOf(m).predicted!]),
    ]),
  ];
  const count = new Map(
    cells.map((m) => [`${sliceOf(m).true}\u0000${sliceOf(m).predicted}`, m.value]),
  );
  return [
    {
      kind: 'table',
      columns: [
        { title: 'true \\ predicted' },
        ...labels.map((label) => ({ title: label, numeric: true })),
      ],
      rows: labels.map((truth) => [
        { strong: truth },
        ...labels.map((predicted) => formatNumber(count.get(`${truth}\u0000${predicted}`) ?? 0)),
      ]),
    },
  ];
}

function curves(metrics: readonly MetricRow[]): Block[] {
  const points = metrics.filter((m) => shapeOf(m) === 'perturbation,severity');
  const clean = new Map(wholeData(metrics).map((m) => [m.key, m]));
  const series = Map.groupBy(points, (m) => `${m.key}\u0000${sliceOf(m).perturbation}`);
  const blocks: Block[] = [];
  for (const values of series.values()) {
    const { key } = values[0]!;
    const baseline = clean.get(key);
    blocks.push({
      kind: 'paragraph',
      content: [
        { code: key },
        ` under ${sliceOf(values[0]!).perturbation}`,
        baseline ? `; on the clean data ${valueWithInterval(baseline)}` : '',
      ],
    });
    blocks.push({
      kind: 'table',
      columns: [
        { title: 'Severity', numeric: true },
        { title: 'Value', numeric: true },
        { title: '95% interval', numeric: true },
        { title: 'Drop from clean', numeric: true },
        { title: 'n', numeric: true },
      ],
      rows: [...values]
        .sort((a, b) => a.step - b.step)
        .map((m) => [
          sliceOf(m).severity!,
          formatNumber(m.value),
          formatInterval(metricInterval(m)),
          baseline ? formatNumber(baseline.value - m.value) : '–',
          m.sampleSize === null ? '–' : String(m.sampleSize),
        ]),
    });
  }
  return blocks;
}

/** The metrics no table of the report shows, named so a reader knows they exist. */
function notShown(metrics: readonly MetricRow[], shown: ReadonlySet<string>): Block[] {
  const rest = metrics.filter((m) => !shown.has(shapeOf(m)) && m.key !== 'confusion_count');
  if (!rest.length) return [];
  const groups = [...new Set(rest.map((m) => `${m.key} (by ${shapeOf(m).replaceAll(',', ', ')})`))];
  return [{ kind: 'paragraph', content: `Also reported, not tabled here: ${groups.join('; ')}.` }];
}

/** A section with a part per run that has something to show; null when none has. */
function perRun(
  view: ReportView,
  runs: readonly RunRow[],
  section: Omit<Section, 'blocks'>,
  part: (metrics: MetricRow[], run: RunRow) => Block[],
): Section | null {
  const blocks: Block[] = [];
  for (const run of runs) {
    const shown = part(lastSteps(view.metricsOf(run)), run);
    if (shown.length) blocks.push({ kind: 'subheading', text: view.runTitle(run) }, ...shown);
  }
  return blocks.length ? { ...section, blocks } : null;
}

/** The slice shapes the sections table: for runs that evaluate a model, and for the others. */
const MODEL_TABLES = new Set(['', 'class', 'perturbation,severity']);
const DATA_TABLES = new Set(['', 'class', 'feature', 'perturbation,severity']);

export function resultSections(view: ReportView): Section[] {
  const models = view.resultRuns.filter((run) => view.evaluatesModel(run));
  const data = view.resultRuns.filter((run) => !view.evaluatesModel(run));
  const sections = [
    perRun(view, models, { id: 'metrics', title: 'Headline metrics' }, (metrics) => {
      const whole = wholeData(metrics);
      return whole.length ? [metricTable(whole)] : [];
    }),
    perRun(view, models, { id: 'per-class', title: 'Per-class results' }, (metrics) => {
      const table = pivot(
        metrics.filter((m) => m.key !== 'confusion_count'),
        'class',
        'Class',
      );
      return table ? [table] : [];
    }),
    perRun(view, models, { id: 'confusion', title: 'Confusion matrix' }, (metrics) => {
      const matrix = confusionMatrix(metrics);
      return matrix.length
        ? [
            { kind: 'paragraph', content: 'Rows are the true class, columns the predicted one.' },
            ...matrix,
          ]
        : [];
    }),
    perRun(
      view,
      view.resultRuns,
      { id: 'robustness', title: 'Robustness curves and charts' },
      (metrics, run) => [
        ...curves(metrics),
        ...view.data.artifacts
          .filter((a) => a.runId === run.id && a.mediaType === 'image/svg+xml')
          .map(
            (a): Block => ({
              kind: 'figure',
              caption: `${view.runLabel(run.id)}: ${a.name}`,
              svg: a.svg,
              artifact: { id: encodeGlobalId('Artifact', a.id), name: a.name, digest: a.digest },
            }),
          ),
      ],
    ),
    datasetSection(view, data),
  ];
  const omitted = perRun(
    view,
    view.resultRuns,
    { id: 'other-metrics', title: 'Other metrics' },
    (metrics, run) => notShown(metrics, view.evaluatesModel(run) ? MODEL_TABLES : DATA_TABLES),
  );
  return [...sections, omitted].filter((s): s is Section => s !== null);
}

/** The profile and drift of the data: the runs that examine datasets, and every finding about one. */
function datasetSection(view: ReportView, runs: readonly RunRow[]): Section | null {
  const blocks: Block[] = [];
  for (const run of runs) {
    const metrics = lastSteps(view.metricsOf(run));
    const parts = [
      wholeData(metrics).length ? metricTable(wholeData(metrics)) : null,
      pivot(metrics, 'class', 'Class'),
      pivot(metrics, 'feature', 'Feature'),
    ].filter((b): b is Block => b !== null);
    if (parts.length) blocks.push({ kind: 'subheading', text: view.runTitle(run) }, ...parts);
  }
  const findings = view.data.findings
    .filter((f) => f.subjectDatasetVersionId !== null && !isRequirementFinding(f))
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  if (findings.length) {
    blocks.push({ kind: 'subheading', text: 'Findings about the data' });
    blocks.push({
      kind: 'table',
      columns: [
        { title: 'Severity' },
        { title: 'Kind' },
        { title: 'Dataset' },
        { title: 'Finding' },
      ],
      rows: findings.map((f): Content[] => {
        const subject = view.version(f.subjectDatasetVersionId);
        return [f.severity, { code: f.kind }, subject ? { code: subject.ref } : '–', f.title];
      }),
    });
  }
  return blocks.length ? { id: 'dataset', title: 'Dataset profile and drift', blocks } : null;
}
