// One EventSource on /api/stream, kept alive. The browser reconnects by itself after a dropped
// connection; it gives up (readyState CLOSED) on an HTTP error, so then the stream is reopened here
// with backoff. A watchdog also reopens a stream that has gone silent past the heartbeat budget
// (a half-open TCP connection after the server vanished looks "open" forever otherwise).
import { useEffect, useReducer, useRef, type Dispatch } from 'react';
import type { SseEnvelope } from '../../../src/contracts/api.ts';
import { connectionReducer, initialConnectionState, reconnectDelayMs, type ConnectionAction, type ConnectionState } from '../lib/connection.ts';
import { parseEnvelope, SSE_EVENT_TYPES } from '../lib/sse.ts';

export function useEventStream(url: string, staleAfterMs: number, onEnvelope: (env: SseEnvelope) => void): [ConnectionState, Dispatch<ConnectionAction>] {
  const [state, dispatch] = useReducer(connectionReducer, Date.now(), initialConnectionState);
  const handler = useRef(onEnvelope);
  const stale = useRef(staleAfterMs);
  useEffect(() => {
    handler.current = onEnvelope;
    stale.current = staleAfterMs;
  });

  useEffect(() => {
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let lastMessageAt = Date.now();

    const reopenLater = () => {
      source?.close();
      source = null;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(open, reconnectDelayMs(attempt++));
    };

    function open() {
      const es = new EventSource(url);
      source = es;
      lastMessageAt = Date.now();
      es.onopen = () => {
        attempt = 0;
        lastMessageAt = Date.now();
        dispatch({ type: 'opened', at: Date.now() });
      };
      es.onerror = () => {
        dispatch({ type: 'lost', at: Date.now() });
        if (es.readyState === EventSource.CLOSED) reopenLater();
      };
      for (const type of SSE_EVENT_TYPES) {
        es.addEventListener(type, (ev) => {
          lastMessageAt = Date.now();
          const env = parseEnvelope(type, (ev as MessageEvent<string>).data);
          if (!env) return;
          if (env.type === 'cdc_stats') {
            const total = (env as SseEnvelope<'cdc_stats'>).data.total_received;
            if (typeof total === 'number') dispatch({ type: 'stats', at: lastMessageAt, totalReceived: total });
          } else if (env.type === 'heartbeat') {
            dispatch({ type: 'message', at: lastMessageAt });
          }
          handler.current(env);
        });
      }
    }

    const watchdog = setInterval(() => {
      if (source && source.readyState === EventSource.OPEN && Date.now() - lastMessageAt > stale.current) {
        dispatch({ type: 'lost', at: Date.now() });
        reopenLater();
      }
    }, 1000);

    open();
    return () => {
      clearInterval(watchdog);
      clearTimeout(retryTimer);
      source?.close();
    };
  }, [url]);

  return [state, dispatch];
}
