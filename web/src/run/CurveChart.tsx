// A robustness curve: the metric at each severity of a perturbation, with its interval as an
// error bar and the value on the clean data as a dashed line.
import type { Curve } from './metrics.ts';

const WIDTH = 360;
const HEIGHT = 220;
const MARGIN = { left: 48, right: 12, top: 12, bottom: 36 };

function span(values: number[]): [number, number] {
  const low = Math.min(...values);
  const high = Math.max(...values);
  const pad = high > low ? (high - low) * 0.08 : Math.abs(high) / 2 || 1;
  return [low - pad, high + pad];
}

export function CurveChart({ curve }: { curve: Curve }) {
  const ys = curve.points.flatMap(({ metric: m }) => [
    m.value,
    ...(m.ciLower != null && m.ciUpper != null ? [m.ciLower, m.ciUpper] : []),
  ]);
  if (curve.clean) ys.push(curve.clean.value);
  const [yLow, yHigh] = span(ys);
  const xs = curve.points.map((p) => p.x);
  const [xLow, xHigh] =
    xs.length > 1 ? [Math.min(...xs), Math.max(...xs)] : [xs[0]! - 1, xs[0]! + 1];
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (v: number) => MARGIN.left + ((v - xLow) / (xHigh - xLow)) * plotWidth;
  const y = (v: number) => MARGIN.top + (1 - (v - yLow) / (yHigh - yLow)) * plotHeight;
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => yLow + f * (yHigh - yLow));
  const title = `${curve.key} under ${curve.perturbation}`;
  return (
    <figure className="curve">
      <svg
        width={WIDTH}
        height={HEIGHT}
        role="img"
        aria-label={`${title}, by severity: ${curve.points
          .map((p) => `${p.severity} ${p.metric.value.toPrecision(3)}`)
          .join(', ')}`}
        className="chart"
      >
        <line
          x1={MARGIN.left}
          x2={MARGIN.left}
          y1={MARGIN.top}
          y2={MARGIN.top + plotHeight}
          className="axis"
        />
        <line
          x1={MARGIN.left}
          x2={WIDTH - MARGIN.right}
          y1={MARGIN.top + plotHeight}
          y2={MARGIN.top + plotHeight}
          className="axis"
        />
        {yTicks.map((t) => (
          <text key={t} x={MARGIN.left - 4} y={y(t) + 4} fontSize={10} textAnchor="end">
            {Number(t.toPrecision(3))}
          </text>
        ))}
        {curve.points.map((p) => (
          <text
            key={p.severity}
            x={x(p.x)}
            y={MARGIN.top + plotHeight + 14}
            fontSize={10}
            textAnchor="middle"
          >
            {p.severity}
          </text>
        ))}
        <text x={MARGIN.left + plotWidth / 2} y={HEIGHT - 4} fontSize={11} textAnchor="middle">
          severity
        </text>
        {curve.clean && (
          <line
            x1={MARGIN.left}
            x2={WIDTH - MARGIN.right}
            y1={y(curve.clean.value)}
            y2={y(curve.clean.value)}
            className="reference"
          />
        )}
        <polyline
          points={curve.points.map((p) => `${x(p.x)},${y(p.metric.value)}`).join(' ')}
          className="series"
        />
        {curve.points.map(({ severity, x: at, metric: m }) => (
          <g key={severity}>
            {m.ciLower != null && m.ciUpper != null && (
              <line x1={x(at)} x2={x(at)} y1={y(m.ciLower)} y2={y(m.ciUpper)} className="whisker" />
            )}
            <circle cx={x(at)} cy={y(m.value)} r={3.5} className="dot" />
          </g>
        ))}
      </svg>
      <figcaption>
        {title}
        {curve.clean && <span className="muted"> (dashed: clean data)</span>}
      </figcaption>
    </figure>
  );
}
