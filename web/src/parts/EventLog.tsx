// A run's event log, virtualised: only the visible rows are in the page, so a run with
// tens of thousands of events scrolls smoothly. It follows the end while scrolled there.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { localTime } from './common.tsx';

export interface LogLine {
  seq: number;
  at: string;
  kind: string;
  text: string;
}

const ROW_HEIGHT = 22;

export function EventLog({ lines }: { lines: LogLine[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const lastTop = useRef(0);
  const rows = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  useEffect(() => {
    if (following.current && lines.length) rows.scrollToIndex(lines.length - 1, { align: 'end' });
  }, [lines.length, rows]);
  return (
    <div
      ref={scroller}
      className="log"
      role="log"
      aria-label={`event log, ${lines.length} events`}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
      tabIndex={0}
      onScroll={(e) => {
        // Following stops when the reader scrolls up, and resumes at the end. Only a move up
        // stops it: while lines arrive, the log can be briefly short of its growing end.
        const el = e.currentTarget;
        if (el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2)
          following.current = true;
        else if (el.scrollTop < lastTop.current) following.current = false;
        lastTop.current = el.scrollTop;
      }}
    >
      <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
        {rows.getVirtualItems().map((row) => {
          const line = lines[row.index]!;
          return (
            <div
              key={row.key}
              className={`log-line log-${line.kind}`}
              style={{
                position: 'absolute',
                top: 0,
                transform: `translateY(${row.start}px)`,
                height: ROW_HEIGHT,
              }}
            >
              <span className="muted">{localTime(line.at, 'time')}</span> <b>{line.kind}</b>{' '}
              {line.text}
            </div>
          );
        })}
      </div>
    </div>
  );
}
