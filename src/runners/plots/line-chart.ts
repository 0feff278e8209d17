// Line charts as self-contained SVG (no scripts, no external fonts or styles), for artifacts a
// browser shows as they are: one or more panels side by side, each with its own x axis and a
// shared y axis, series drawn as lines through their points with error bars for intervals.

export interface ChartPoint {
  x: number;
  y: number;
  /** An interval around y, drawn as an error bar. */
  lower?: number;
  upper?: number;
}

export interface ChartSeries {
  name: string;
  points: readonly ChartPoint[];
}

export interface ChartPanel {
  title: string;
  xLabel: string;
  series: readonly ChartSeries[];
  /** A dashed horizontal line, e.g. a baseline. */
  reference?: { label: string; y: number };
}

export interface LineChart {
  title: string;
  yLabel: string;
  /** The y axis range; by default it spans the data, intervals and references. */
  yRange?: readonly [number, number];
  panels: readonly ChartPanel[];
  /** Panels per row; up to 3 by default. */
  columns?: number;
}

const PANEL_WIDTH = 300;
const PANEL_HEIGHT = 230;
const TITLE_HEIGHT = 36;
const MARGIN = { left: 52, right: 16, top: 28, bottom: 44 };
// Colour-blind-safe (Okabe-Ito).
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

/** Text made safe for SVG content and attribute values. */
function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A coordinate with one decimal: plenty for a screen, and short. */
const coordinate = (value: number) => (Math.round(value * 10) / 10).toString();

/** A tick label: at most 4 significant digits, without trailing zeros. */
const tickLabel = (value: number) => String(Number(value.toPrecision(4)));

/** About `count` evenly spaced round values (steps of 1, 2 or 5 x 10^n) covering [low, high]. */
function niceTicks(low: number, high: number, count = 5): number[] {
  const span = high - low;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => span / s <= count) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step - 1e-9) * step; t <= high + step * 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

/** A range that contains `values`, widened when they are all equal. */
function rangeOf(values: readonly number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return [0, 1];
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  if (low === high)
    return low === 0 ? [-1, 1] : [low - Math.abs(low) / 2, high + Math.abs(high) / 2];
  const pad = (high - low) * 0.05;
  return [low - pad, high + pad];
}

function yValues(panels: readonly ChartPanel[]): number[] {
  return panels.flatMap((panel) => [
    ...panel.series.flatMap((s) => s.points.flatMap((p) => [p.y, p.lower ?? p.y, p.upper ?? p.y])),
    ...(panel.reference ? [panel.reference.y] : []),
  ]);
}

function panelSvg(
  panel: ChartPanel,
  left: number,
  top: number,
  yRange: readonly [number, number],
  yLabel: string,
): string {
  const x0 = left + MARGIN.left;
  const x1 = left + PANEL_WIDTH - MARGIN.right;
  const y0 = top + PANEL_HEIGHT - MARGIN.bottom;
  const y1 = top + MARGIN.top;
  const [xLow, xHigh] = rangeOf(panel.series.flatMap((s) => s.points.map((p) => p.x)));
  const [yLow, yHigh] = yRange;
  const sx = (x: number) => coordinate(x0 + ((x - xLow) / (xHigh - xLow)) * (x1 - x0));
  const sy = (y: number) => coordinate(y0 - ((y - yLow) / (yHigh - yLow)) * (y0 - y1));
  const parts: string[] = [
    `<g class="panel">`,
    `<text x="${coordinate((x0 + x1) / 2)}" y="${top + 18}" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`,
    `<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#999"/>`,
  ];
  for (const t of niceTicks(yLow, yHigh)) {
    parts.push(
      `<line x1="${x0}" x2="${x1}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`,
      `<text x="${x0 - 4}" y="${sy(t)}" text-anchor="end" dominant-baseline="middle" font-size="10">${tickLabel(t)}</text>`,
    );
  }
  for (const t of niceTicks(xLow, xHigh)) {
    parts.push(
      `<line x1="${sx(t)}" x2="${sx(t)}" y1="${y0}" y2="${y0 + 4}" stroke="#999"/>`,
      `<text x="${sx(t)}" y="${y0 + 15}" text-anchor="middle" font-size="10">${tickLabel(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${coordinate((x0 + x1) / 2)}" y="${y0 + 34}" text-anchor="middle" font-size="11">${escapeXml(panel.xLabel)}</text>`,
    `<text transform="translate(${left + 14} ${coordinate((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" font-size="11">${escapeXml(yLabel)}</text>`,
  );
  if (panel.reference) {
    const y = sy(panel.reference.y);
    parts.push(
      `<line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke="#666" stroke-dasharray="4 3"/>`,
      `<text x="${x1 - 4}" y="${Number(y) - 4}" text-anchor="end" font-size="10" fill="#666">${escapeXml(panel.reference.label)}</text>`,
    );
  }
  panel.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const points = [...series.points].sort((a, b) => a.x - b.x);
    parts.push(`<g class="series" data-name="${escapeXml(series.name)}">`);
    parts.push(`<title>${escapeXml(series.name)}</title>`);
    for (const p of points) {
      if (p.lower === undefined || p.upper === undefined) continue;
      const x = Number(sx(p.x));
      parts.push(
        `<path d="M${x} ${sy(p.lower)}V${sy(p.upper)}M${x - 3} ${sy(p.lower)}h6M${x - 3} ${sy(p.upper)}h6" stroke="${colour}" fill="none"/>`,
      );
    }
    const line = points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ');
    parts.push(`<polyline points="${line}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of points) {
      parts.push(`<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="3" fill="${colour}"/>`);
    }
    parts.push('</g>');
    if (panel.series.length > 1) {
      const y = y1 + 12 + 14 * i;
      parts.push(
        `<line x1="${x0 + 8}" x2="${x0 + 24}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="2"/>`,
        `<text x="${x0 + 28}" y="${y}" dominant-baseline="middle" font-size="10">${escapeXml(series.name)}</text>`,
      );
    }
  });
  parts.push('</g>');
  return parts.join('\n');
}

/** The chart as an SVG document: a title over its panels, `columns` to a row. */
export function lineChartSvg(chart: LineChart): string {
  const columns = Math.max(1, Math.min(chart.columns ?? 3, chart.panels.length));
  const rows = Math.max(1, Math.ceil(chart.panels.length / columns));
  const width = columns * PANEL_WIDTH;
  const height = TITLE_HEIGHT + rows * PANEL_HEIGHT;
  const yRange = chart.yRange ?? rangeOf(yValues(chart.panels));
  const panels = chart.panels.map((panel, i) =>
    panelSvg(
      panel,
      (i % columns) * PANEL_WIDTH,
      TITLE_HEIGHT + Math.floor(i / columns) * PANEL_HEIGHT,
      yRange,
      chart.yLabel,
    ),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
