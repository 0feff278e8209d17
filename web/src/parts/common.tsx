// Small pieces every page uses: statuses, progress, times, digests, errors, paging.
import { useState } from 'react';
import type { CombinedError } from 'urql';
import { useSearchParams } from 'wouter';

export function Status({ value }: { value: string }) {
  return <span className={`status status-${value.toLowerCase()}`}>{value}</span>;
}

export function Progress({
  fraction,
  label,
}: {
  fraction: number | null | undefined;
  label: string;
}) {
  if (fraction == null) return null;
  return (
    <progress max={1} value={fraction} aria-label={label}>
      {Math.round(fraction * 100)}%
    </progress>
  );
}

const twoDigits = (n: number) => String(n).padStart(2, '0');

/**
 * A moment in local time, as 2026-12-05 13:01:23 (or only its time of day). Written by hand:
 * the browser's locale formatting loads its locale data on first use, which cost a fresh page
 * up to a tenth of a second before it could show the runs list.
 */
export function localTime(at: string, part: 'both' | 'time' = 'both'): string {
  const d = new Date(at);
  const time = [d.getHours(), d.getMinutes(), d.getSeconds()].map(twoDigits).join(':');
  if (part === 'time') return time;
  return `${d.getFullYear()}-${twoDigits(d.getMonth() + 1)}-${twoDigits(d.getDate())} ${time}`;
}

export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  return <time dateTime={at}>{localTime(at)}</time>;
}

export function Digest({ value }: { value: string }) {
  return (
    <code className="digest" title={value}>
      {value.replace(/^sha256:/, '').slice(0, 12)}
    </code>
  );
}

export function Failure({ error }: { error: CombinedError | Error | undefined | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {error.message}
    </p>
  );
}

/** Text with the hub's <mark> highlights; the hub HTML-escapes everything else. */
export function Highlighted({ html }: { html: string }) {
  // biome-ignore lint/security/noDangerouslySetInnerHtml: the hub escapes all but <mark>
  return <span dangerouslySetInnerHTML={{ __html: html }} />;
}

/** Filters kept in the address, so a filtered page can be linked and the back button works. */
export function useFilters(): [URLSearchParams, (changes: Record<string, string | null>) => void] {
  const [params, setParams] = useSearchParams();
  const change = (changes: Record<string, string | null>) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      for (const [key, value] of Object.entries(changes)) {
        if (value) next.set(key, value);
        else next.delete(key);
      }
      next.delete('after');
      return next;
    });
  return [params, change];
}

/** Forward paging by cursor, with the way back remembered. */
export function usePages(): {
  after: string | null;
  next: (cursor: string | null | undefined) => void;
  previous: (() => void) | null;
  reset: () => void;
} {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  const after = stack[stack.length - 1] ?? null;
  return {
    after,
    next: (cursor) => cursor && setStack([...stack, cursor]),
    previous: stack.length > 1 ? () => setStack(stack.slice(0, -1)) : null,
    reset: () => setStack([null]),
  };
}

export function Pager({
  pages,
  hasNext,
  endCursor,
  total,
}: {
  pages: ReturnType<typeof usePages>;
  hasNext: boolean;
  endCursor: string | null | undefined;
  total: number;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <span>{total} in all</span>
      <button type="button" disabled={!pages.previous} onClick={() => pages.previous?.()}>
        Previous
      </button>
      <button type="button" disabled={!hasNext} onClick={() => pages.next(endCursor)}>
        Next
      </button>
    </nav>
  );
}

export function Select({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: readonly string[];
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
}

export const RUN_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'] as const;
export const FINDING_STATUSES = ['OPEN', 'CONFIRMED', 'DISMISSED', 'RESOLVED'] as const;
