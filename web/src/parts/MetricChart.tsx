// Each metric as a dot with its interval as a whisker, on a shared 0..1 axis when every
// value fits in it, else each scaled to the largest.
interface ChartMetric {
  key: string;
  value: number;
  step: number;
  slice: unknown;
  ciLower?: number | null;
  ciUpper?: number | null;
}

const WIDTH = 480;
const LABEL = 160;
const ROW = 22;

export function MetricChart({ metrics }: { metrics: ChartMetric[] }) {
  const shown = metrics.filter((m) => Object.keys(m.slice as object).length === 0).slice(0, 30);
  if (shown.length === 0) return null;
  const top = Math.max(1, ...shown.map((m) => Math.abs(m.ciUpper ?? m.value)));
  const bottom = Math.min(0, ...shown.map((m) => m.ciLower ?? m.value));
  const x = (v: number) => LABEL + ((v - bottom) / (top - bottom)) * (WIDTH - LABEL - 10);
  return (
    <svg
      width={WIDTH}
      height={shown.length * ROW + 10}
      role="img"
      aria-label="metrics with their intervals"
      className="chart"
    >
      {shown.map((m, i) => {
        const y = i * ROW + 14;
        return (
          <g key={`${m.key}/${m.step}`}>
            <text x={0} y={y + 4} fontSize={12}>
              {m.key}
            </text>
            <line x1={LABEL} x2={WIDTH - 10} y1={y} y2={y} className="axis" />
            {m.ciLower != null && m.ciUpper != null && (
              <line x1={x(m.ciLower)} x2={x(m.ciUpper)} y1={y} y2={y} className="whisker" />
            )}
            <circle cx={x(m.value)} cy={y} r={4} className="dot" />
          </g>
        );
      })}
    </svg>
  );
}
