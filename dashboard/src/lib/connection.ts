// Connection state and gap accounting for the live stream, as a pure reducer (React's useReducer
// runs it; the tests drive it directly). A gap is the time between losing the stream and getting it
// back. The page cannot know what happened in a gap; what it can say honestly is how long it lasted
// and, from the service's own cumulative counter (cdc_stats.total_received), how many events the
// service received meanwhile - unless the service restarted, in which case its counters began again.

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting';

export interface ConnectionGap {
  /** Epoch ms when the stream was lost. */
  from: number;
  /** Epoch ms when it came back; null while still disconnected. */
  to: number | null;
  /** The service's total_received last seen before the gap (null if no stats came before it). */
  receivedBefore: number | null;
  /** The first total_received seen after the gap. */
  receivedAfter: number | null;
  /** true when the service restarted during the gap (its counters went back, or its uptime says so). */
  serverRestarted: boolean;
}

export interface ConnectionState {
  status: ConnectionStatus;
  /** Epoch ms of the last status change. */
  since: number;
  everConnected: boolean;
  /** Successful (re)connections so far; a change tells consumers to refetch what they may have missed. */
  openCount: number;
  /** Epoch ms of the last message of any kind (heartbeats included). */
  lastMessageAt: number | null;
  lastTotalReceived: number | null;
  /** Newest last; at most MAX_GAPS. */
  gaps: ConnectionGap[];
}

export type ConnectionAction =
  | { type: 'opened'; at: number }
  | { type: 'lost'; at: number }
  | { type: 'message'; at: number }
  | { type: 'stats'; at: number; totalReceived: number }
  /** The service's start time, from /api/health (now - uptime_sec). */
  | { type: 'server-started'; startedAt: number };

export const MAX_GAPS = 20;
/** Uptime is reported in whole seconds and measured at a slightly different moment: allow for it. */
const START_TOLERANCE_MS = 2000;

export function initialConnectionState(now: number): ConnectionState {
  return { status: 'connecting', since: now, everConnected: false, openCount: 0, lastMessageAt: null, lastTotalReceived: null, gaps: [] };
}

function replaceLastGap(gaps: ConnectionGap[], gap: ConnectionGap): ConnectionGap[] {
  return [...gaps.slice(0, -1), gap];
}

export function connectionReducer(state: ConnectionState, action: ConnectionAction): ConnectionState {
  switch (action.type) {
    case 'opened': {
      if (state.status === 'connected') return state;
      const gaps =
        state.status === 'reconnecting' && state.gaps.length > 0 && state.gaps[state.gaps.length - 1].to === null
          ? replaceLastGap(state.gaps, { ...state.gaps[state.gaps.length - 1], to: action.at })
          : state.gaps;
      return { ...state, status: 'connected', since: action.at, everConnected: true, openCount: state.openCount + 1, gaps };
    }
    case 'lost': {
      if (state.status === 'reconnecting') return state;
      if (!state.everConnected) return { ...state, status: 'connecting' };
      const gap: ConnectionGap = { from: action.at, to: null, receivedBefore: state.lastTotalReceived, receivedAfter: null, serverRestarted: false };
      return { ...state, status: 'reconnecting', since: action.at, gaps: [...state.gaps, gap].slice(-MAX_GAPS) };
    }
    case 'message':
      return { ...state, lastMessageAt: action.at };
    case 'stats': {
      let gaps = state.gaps;
      const last = gaps[gaps.length - 1];
      if (state.status === 'connected' && last && last.to !== null && last.receivedAfter === null) {
        const restarted = last.serverRestarted || (last.receivedBefore !== null && action.totalReceived < last.receivedBefore);
        gaps = replaceLastGap(gaps, { ...last, receivedAfter: action.totalReceived, serverRestarted: restarted });
      }
      return { ...state, lastMessageAt: action.at, lastTotalReceived: action.totalReceived, gaps };
    }
    case 'server-started': {
      const last = state.gaps[state.gaps.length - 1];
      if (!last || last.serverRestarted || action.startedAt < last.from - START_TOLERANCE_MS) return state;
      return { ...state, gaps: replaceLastGap(state.gaps, { ...last, serverRestarted: true }) };
    }
  }
}

/** Events the service received while this page was away, when it can be known; null otherwise. */
export function eventsMissedInGap(gap: ConnectionGap): number | null {
  if (gap.serverRestarted || gap.receivedBefore === null || gap.receivedAfter === null) return null;
  return gap.receivedAfter - gap.receivedBefore;
}

/** Never negative: the caller's clock may tick less often than the gap started. */
export function gapDurationMs(gap: ConnectionGap, now: number): number {
  return Math.max(0, (gap.to ?? now) - gap.from);
}

/** One honest sentence about a gap, for the notice under the header. */
export function describeGap(gap: ConnectionGap, now: number, formatDuration: (ms: number) => string): string {
  const duration = formatDuration(gapDurationMs(gap, now));
  if (gap.to === null) {
    return `Disconnected for ${duration}. Events in this time are not seen by this page; it reconnects by itself.`;
  }
  let tail = '';
  const missed = eventsMissedInGap(gap);
  if (gap.serverRestarted) tail = ' The service restarted meanwhile, so its counters started again from zero.';
  else if (missed !== null) tail = ` The service received ${missed.toLocaleString('en-US')} events meanwhile (counted in the totals, not in the chart).`;
  return `Reconnected after ${duration} disconnected. Events during that gap were not seen by this page and are not drawn.${tail}`;
}

/**
 * How long without any message before the stream is presumed dead and reopened. The heartbeat
 * (every SSE_HEARTBEAT_INTERVAL_SEC) is the stream's only promise of liveness - cdc_stats is data and
 * stops if its producer does - so three missed heartbeats is the verdict; until the knobs are known,
 * assume the 15 s default.
 */
export function staleAfterMs(knobs: Record<string, unknown> | undefined): number {
  const read = (key: string): number | null => {
    const v = knobs?.[key];
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
    return Number.isFinite(n) && n > 0 ? n : null;
  };
  const heartbeat = read('SSE_HEARTBEAT_INTERVAL_SEC') ?? 15;
  return Math.max(5000, heartbeat * 3000 + 2000);
}

/** Backoff for reopening a stream the browser gave up on: 1 s, 2 s, 4 s ... capped. */
export function reconnectDelayMs(attempt: number, capMs = 10_000): number {
  return Math.min(capMs, 1000 * 2 ** Math.max(0, Math.min(attempt, 10)));
}
