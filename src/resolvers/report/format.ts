// How the report prints numbers, intervals and times: one way everywhere, so a reader can
// compare any two figures, and a test can parse them back.
import type { Content } from './document.ts';

/** Whole numbers as they are; others to 4 significant digits (0.8333, 1.2e-7). */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

export interface Interval {
  lower: number;
  upper: number;
  level: number;
}

/** "[0.75, 0.95]", with its level when it is not `usualLevel`. */
export function formatInterval(ci: Interval | null, usualLevel = 0.95): string {
  if (!ci) return '–';
  const level = ci.level === usualLevel ? '' : ` (${formatNumber(ci.level * 100)}%)`;
  return `[${formatNumber(ci.lower)}, ${formatNumber(ci.upper)}]${level}`;
}

/** The interval a metric row carries, if it has one. */
export function metricInterval(row: {
  ciLower: number | null;
  ciUpper: number | null;
  ciLevel: number | null;
}): Interval | null {
  return row.ciLower !== null && row.ciUpper !== null
    ? { lower: row.ciLower, upper: row.ciUpper, level: row.ciLevel ?? 0.95 }
    : null;
}

/** An instant to the second, in UTC: "2026-12-04 17:53:42 UTC". */
export function formatTime(at: Date | null): string {
  return at ? `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '–';
}

/** "4.2 s", "3 min 7 s". */
export function formatDuration(from: Date | null, to: Date | null): string {
  if (!from || !to) return '–';
  const seconds = (to.getTime() - from.getTime()) / 1000;
  if (seconds < 60) return `${formatNumber(Number(seconds.toFixed(1)))} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.floor(seconds - minutes * 60)} s`;
}

/** "1.2 MB". */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

/** A value shown as code when there is one. */
export const codeOrDash = (text: string | null | undefined): Content =>
  text ? { code: text } : '–';
