// The raw CDC feed (cdc_raw, only sent when the service runs with SSE_EMIT_CDC_RAW=true): the newest
// messages, pausable, with a readable JSON view of the selected one.
import type { Dispatch } from 'react';
import { formatClockMs, formatInt } from '../lib/format.ts';
import { toEpochMs } from '../lib/numbers.ts';
import { summarizeRaw, type RawFeedAction, type RawFeedState } from '../lib/raw-feed.ts';
import { Panel } from './Panel.tsx';

interface Props {
  feed: RawFeedState;
  dispatch: Dispatch<RawFeedAction>;
  /** health.knobs.SSE_EMIT_CDC_RAW when known. */
  emitRaw: boolean | null;
}

export function RawFeed({ feed, dispatch, emitRaw }: Props) {
  const selected = feed.items.find((i) => i.seq === feed.selectedSeq) ?? null;
  return (
    <Panel
      title="Raw CDC feed"
      wide
      testId="panel-raw"
      actions={
        <>
          {feed.paused ? (
            <span className="muted small-text" data-testid="raw-missed">
              {formatInt(feed.missedWhilePaused)} not shown
            </span>
          ) : null}
          <button
            type="button"
            className="btn"
            data-testid="raw-pause"
            aria-pressed={feed.paused}
            onClick={() => dispatch({ type: feed.paused ? 'resume' : 'pause' })}
          >
            {feed.paused ? 'Resume' : 'Pause'}
          </button>
          <button type="button" className="btn ghost" onClick={() => dispatch({ type: 'clear' })}>
            Clear
          </button>
        </>
      }
    >
      {feed.items.length === 0 ? (
        <p className="muted empty">
          {emitRaw === false ? 'The service does not send raw events (start it with SSE_EMIT_CDC_RAW=true to see them here).' : 'No raw events received yet.'}
        </p>
      ) : (
        <div className="raw">
          <ol className="raw-list" data-testid="raw-list">
            {feed.items.map((item) => (
              <li key={item.seq}>
                <button
                  type="button"
                  className={item.seq === feed.selectedSeq ? 'raw-item selected' : 'raw-item'}
                  title={`${item.data.topic} partition ${item.data.partition} offset ${item.data.offset}`}
                  onClick={() => dispatch({ type: 'select', seq: item.seq === feed.selectedSeq ? null : item.seq })}
                >
                  <span className="mono muted">{formatClockMs(toEpochMs(item.ts))}</span>
                  <span className="raw-summary">{summarizeRaw(item.data)}</span>
                  <span className="mono muted raw-pos">@{item.data.offset}</span>
                </button>
              </li>
            ))}
          </ol>
          <pre className="raw-json" data-testid="raw-json">
            {selected ? JSON.stringify(selected.data, null, 2) : 'Select an event to see its JSON.'}
          </pre>
        </div>
      )}
    </Panel>
  );
}
