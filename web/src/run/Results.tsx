// What a run measured: the whole-data metrics with their 95% intervals (chart and table), the
// per-class table, the confusion matrix, the robustness curves and any other sliced metric.
import { MetricChart } from '../parts/MetricChart.tsx';
import { CurveChart } from './CurveChart.tsx';
import {
  confusion,
  curves,
  formatValue,
  lastSteps,
  otherSliced,
  pivot,
  type RunMetric,
  shapeOf,
  withInterval,
} from './metrics.ts';
import './run.css';

function interval(m: RunMetric): string {
  return m.ciLower != null && m.ciUpper != null
    ? `${m.ciLower.toPrecision(4)} – ${m.ciUpper.toPrecision(4)} (${Math.round((m.ciLevel ?? 0.95) * 100)}%)`
    : '—';
}

function WholeData({ metrics }: { metrics: RunMetric[] }) {
  return (
    <>
      <MetricChart metrics={metrics} />
      <table aria-label="metrics on the whole data">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Value</th>
            <th scope="col">Interval</th>
            <th scope="col">n</th>
          </tr>
        </thead>
        <tbody>
          {metrics.map((m) => (
            <tr key={m.key}>
              <td>{m.key}</td>
              <td>{formatValue(m.value)}</td>
              <td>{interval(m)}</td>
              <td>{m.sampleSize ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function PerClass({ metrics }: { metrics: RunMetric[] }) {
  const { rows, keys, cell } = pivot(metrics, 'class');
  if (!rows.length) return null;
  return (
    <section aria-labelledby="per-class">
      <h3 id="per-class">Per class</h3>
      <table aria-label="metrics per class">
        <thead>
          <tr>
            <th scope="col">Class</th>
            {keys.map((key) => (
              <th key={key} scope="col" className="numeric">
                {key}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row}>
              <th scope="row">{row}</th>
              {keys.map((key) => (
                <td key={key} className="numeric">
                  {withInterval(cell(key, row))}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ConfusionMatrix({ metrics }: { metrics: RunMetric[] }) {
  const { labels, count, largest } = confusion(metrics);
  if (!labels.length) return null;
  return (
    <section aria-labelledby="confusion">
      <h3 id="confusion">Confusion matrix</h3>
      <p className="muted">Rows are the true class, columns the predicted one.</p>
      <table className="matrix" aria-label="confusion matrix">
        <thead>
          <tr>
            <th scope="col">true \ predicted</th>
            {labels.map((label) => (
              <th key={label} scope="col" className="numeric">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((truth) => (
            <tr key={truth}>
              <th scope="row">{truth}</th>
              {labels.map((predicted) => {
                const n = count(truth, predicted);
                const shade = largest ? n / largest : 0;
                return (
                  <td
                    key={predicted}
                    style={{ background: `hsl(210 80% ${Math.round(97 - shade * 32)}%)` }}
                  >
                    {n}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Robustness({ metrics }: { metrics: RunMetric[] }) {
  const shown = curves(metrics);
  if (!shown.length) return null;
  return (
    <section aria-labelledby="robustness">
      <h3 id="robustness">Robustness curves</h3>
      <div className="curves">
        {shown.map((curve) => (
          <CurveChart key={`${curve.key}/${curve.perturbation}`} curve={curve} />
        ))}
      </div>
      <table aria-label="robustness by severity">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Perturbation</th>
            <th scope="col">Severity</th>
            <th scope="col">Value (95% interval)</th>
            <th scope="col">Drop from clean</th>
          </tr>
        </thead>
        <tbody>
          {shown.flatMap((curve) =>
            curve.points.map((p) => (
              <tr key={`${curve.key}/${curve.perturbation}/${p.severity}`}>
                <td>{curve.key}</td>
                <td>{curve.perturbation}</td>
                <td>{p.severity}</td>
                <td>{withInterval(p.metric)}</td>
                <td>{curve.clean ? (curve.clean.value - p.metric.value).toPrecision(3) : '–'}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </section>
  );
}

function OtherSliced({ metrics }: { metrics: RunMetric[] }) {
  const rest = otherSliced(metrics);
  if (!rest.length) return null;
  return (
    <details>
      <summary>Other sliced metrics ({rest.length})</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Slice</th>
            <th scope="col">Value (95% interval)</th>
          </tr>
        </thead>
        <tbody>
          {rest.map((m) => (
            <tr key={`${m.key}/${shapeOf(m)}/${JSON.stringify(m.slice)}`}>
              <td>{m.key}</td>
              <td>{JSON.stringify(m.slice)}</td>
              <td>{withInterval(m)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

export function Results({ metrics: all }: { metrics: RunMetric[] }) {
  const metrics = lastSteps(all);
  if (!metrics.length) return <p className="muted">None yet.</p>;
  const whole = metrics.filter((m) => shapeOf(m) === '');
  return (
    <>
      {whole.length > 0 && <WholeData metrics={whole} />}
      <PerClass metrics={metrics} />
      <ConfusionMatrix metrics={metrics} />
      <Robustness metrics={metrics} />
      <OtherSliced metrics={metrics} />
    </>
  );
}
