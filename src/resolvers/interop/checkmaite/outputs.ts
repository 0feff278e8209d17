// What a checkmaite record's `outputs` say, as hub metrics and findings. The rules are
// generic (numbers become metrics, their place in the outputs their key and slice), with
// one known shape, MAITE evaluation's; docs/interop.md lists them. Strings, booleans, nulls
// and checkmaite's binary references ("binary+numpy://...", whose bytes stay in the
// producer's cache) are not measurements: they stay in the record the run keeps.
import type { FindingEmission, MetricEmission } from '../../../runners/contract.ts';
import { ValidationError } from '../../core/errors.ts';
import { type CheckmaiteRecord, labelsOf } from './record.ts';

/** More numbers than this in one record are refused: they are data, not a run's metrics. */
export const MAX_METRICS = 10_000;

/** A finding, with the input it is about as checkmaite orders them. */
export interface CheckmaiteFinding extends FindingEmission {
  subject: { role: 'dataset' | 'model'; position: number } | null;
}

export interface CheckmaiteResults {
  metrics: MetricEmission[];
  findings: CheckmaiteFinding[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** "meanDistance" and "mean distance" both as "mean_distance". */
function snakeCase(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const metricKey = (path: readonly string[]) =>
  path.map(snakeCase).filter(Boolean).join('_') || 'value';

/** What per-class numbers are read against. */
interface Classes {
  /** In index order: the first index2label without gaps, the models' before the datasets'. */
  ordered: readonly string[] | null;
  /** Every class name of any index2label in the record. */
  names: ReadonlySet<string>;
}

function classesOf(record: CheckmaiteRecord): Classes {
  const components = [...record.model_metadata, ...record.dataset_metadata];
  const ordered = components.map((c) => labelsOf(c.index2label)).find((labels) => labels) ?? null;
  const names = new Set(components.flatMap((c) => Object.values(c.index2label ?? {})));
  return { ordered, names };
}

/** Collects metrics, keeping the first of any two that land on the same key and slice. */
class MetricList {
  readonly metrics: MetricEmission[] = [];
  private readonly seen = new Set<string>();

  add(key: string, value: number, slice: Record<string, string>) {
    const identity = JSON.stringify([key, Object.entries(slice).sort()]);
    if (this.seen.has(identity)) return;
    this.seen.add(identity);
    if (this.metrics.length === MAX_METRICS)
      throw new ValidationError(
        `outputs hold more than ${MAX_METRICS} numbers; keep per-item data in arrays checkmaite stores as binary`,
        ['input', 'record', 'outputs'],
      );
    this.metrics.push(Object.keys(slice).length ? { key, value, slice } : { key, value });
  }
}

/**
 * Every finite number under `value`: object members extend the key; array elements add a
 * slice, {class} for an array of numbers as long as the ordered label set, else {index}
 * (then {index_2}... when nested in other arrays); an object whose keys are all class names
 * gives {class} slices too. An array directly in an array (groups of item indices, a
 * matrix) is data, not measurements, and is left out.
 */
function collectNumbers(
  value: unknown,
  path: string[],
  slice: Record<string, string>,
  classes: Classes,
  into: MetricList,
) {
  const { ordered, names } = classes;
  if (isNumber(value)) into.add(metricKey(path), value, slice);
  else if (Array.isArray(value)) {
    if (ordered && value.length === ordered.length && value.every(isNumber)) {
      value.forEach((number, i) => {
        into.add(metricKey(path), number, { ...slice, class: ordered[i]! });
      });
      return;
    }
    const depth = Object.keys(slice).filter((label) => label.startsWith('index')).length;
    const label = depth === 0 ? 'index' : `index_${depth + 1}`;
    value.forEach((element, i) => {
      if (!Array.isArray(element))
        collectNumbers(element, path, { ...slice, [label]: String(i) }, classes, into);
    });
  } else if (isObject(value)) {
    const entries = Object.entries(value);
    const byClass =
      !('class' in slice) && entries.length > 0 && entries.every(([key]) => names.has(key));
    for (const [key, member] of entries)
      if (byClass) collectNumbers(member, path, { ...slice, class: key }, classes, into);
      else collectNumbers(member, [...path, key], slice, classes, into);
  }
}

/** MaiteEvaluationOutputs: {overall_metric_name, result: {key: number}, class_metrics}. */
function isMaiteEvaluation(
  outputs: Json,
): outputs is Json & { overall_metric_name: string; result: Json } {
  return typeof outputs.overall_metric_name === 'string' && isObject(outputs.result);
}

/**
 * MAITE evaluation: `result` holds the metrics by their own keys, `class_metrics` the
 * overall metric per class (null for a class of the model the test data lacks).
 */
function readMaiteEvaluation(
  outputs: Json & { overall_metric_name: string; result: Json },
  record: CheckmaiteRecord,
  classes: Classes,
  into: MetricList,
): CheckmaiteFinding[] {
  const { overall_metric_name: overall, result, class_metrics: perClass, ...rest } = outputs;
  for (const [key, value] of Object.entries(result))
    collectNumbers(value, [key], {}, classes, into);
  const missing: string[] = [];
  if (isObject(perClass))
    for (const [label, value] of Object.entries(perClass)) {
      if (isNumber(value)) into.add(metricKey([overall]), value, { class: label });
      else if (value === null) missing.push(label);
    }
  collectNumbers(rest, [], {}, classes, into);
  if (!missing.length) return [];
  const dataset = record.dataset_metadata[0]?.id ?? 'the test data';
  const model = record.model_metadata[0]?.id ?? 'the model';
  const total = Object.keys(isObject(perClass) ? perClass : {}).length;
  return [
    {
      kind: 'MISSING_CLASSES',
      severity: 'LOW',
      title: `${missing.length} of ${total} classes of ${model} do not occur in ${dataset} (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''})`,
      summary:
        `checkmaite's evaluation found no items of ${missing.length === 1 ? 'this class' : 'these classes'} in ${dataset}, ` +
        `so the model's ${overall} on ${missing.length === 1 ? 'it' : 'them'} was not measured; the overall ${overall} says nothing about ${missing.length === 1 ? 'it' : 'them'}.`,
      evidence: {
        metric: overall,
        missingClasses: missing,
        classesEvaluated: total - missing.length,
      },
      subject: record.dataset_metadata.length ? { role: 'dataset', position: 0 } : null,
    },
  ];
}

interface DriftVerdict {
  path: string;
  detector: string;
  drifted: boolean;
  distance: number | null;
  threshold: number | null;
  pValue: number | null;
}

/** Every object under `value` with a drift verdict (dataeval's DriftOutput: drifted, or is_drift). */
function driftVerdicts(value: unknown, path: string[], into: DriftVerdict[]) {
  if (Array.isArray(value)) {
    value.forEach((element, i) => {
      driftVerdicts(element, [...path, String(i)], into);
    });
    return;
  }
  if (!isObject(value)) return;
  const verdict = typeof value.drifted === 'boolean' ? value.drifted : value.is_drift;
  if (typeof verdict === 'boolean') {
    const details = isObject(value.details) ? value.details : {};
    const pValue = value.p_val ?? details.p_val;
    into.push({
      path: path.join('.'),
      detector:
        typeof value.metric_name === 'string' ? value.metric_name : (path.at(-1) ?? 'drift'),
      drifted: verdict,
      distance: isNumber(value.distance) ? value.distance : null,
      threshold: isNumber(value.threshold) ? value.threshold : null,
      pValue: isNumber(pValue) ? pValue : null,
    });
    return;
  }
  for (const [key, member] of Object.entries(value)) driftVerdicts(member, [...path, key], into);
}

/**
 * One DRIFT finding when any drift detector in the outputs says the data drifted. checkmaite
 * orders a shift capability's datasets reference first, then the one under test.
 */
function driftFinding(outputs: Json, record: CheckmaiteRecord): CheckmaiteFinding | null {
  const verdicts: DriftVerdict[] = [];
  driftVerdicts(outputs, [], verdicts);
  const drifted = verdicts.filter((v) => v.drifted);
  if (!drifted.length) return null;
  const ids = record.dataset_metadata.map((d) => d.id);
  const position = ids.length === 2 ? 1 : ids.length === 1 ? 0 : null;
  const what =
    ids.length === 2
      ? `${ids[1]} drifted from ${ids[0]}`
      : ids.length === 1
        ? `${ids[0]} drifted`
        : 'The data drifted';
  const held = verdicts.filter((v) => !v.drifted).map((v) => v.detector);
  const described = drifted.map(
    (v) =>
      `${v.detector}${v.pValue !== null ? ` (p = ${v.pValue.toPrecision(2)}${v.threshold !== null ? `, threshold ${v.threshold}` : ''})` : ''}`,
  );
  return {
    kind: 'DRIFT',
    severity: 'MEDIUM',
    title: `${what}: ${drifted.map((v) => v.detector).join(', ')} detected drift${held.length ? ` (${held.join(', ')} did not)` : ''}`,
    summary:
      `checkmaite's drift detectors reported drift: ${described.join('; ')}. ` +
      'Results measured on the reference data may not hold on this data.',
    evidence: {
      reference: ids.length === 2 ? ids[0] : null,
      dataset: position === null ? null : ids[position],
      detectors: verdicts,
    },
    subject: position === null ? null : { role: 'dataset', position },
  };
}

/** The metrics and findings a record's outputs carry. */
export function readCheckmaiteOutputs(record: CheckmaiteRecord): CheckmaiteResults {
  const outputs = record.outputs ?? {};
  const classes = classesOf(record);
  const metrics = new MetricList();
  const findings: CheckmaiteFinding[] = [];
  if (isMaiteEvaluation(outputs))
    findings.push(...readMaiteEvaluation(outputs, record, classes, metrics));
  else collectNumbers(outputs, [], {}, classes, metrics);
  const drift = driftFinding(outputs, record);
  if (drift) findings.push(drift);
  return { metrics: metrics.metrics, findings };
}
