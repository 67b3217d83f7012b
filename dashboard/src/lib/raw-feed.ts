// The raw CDC feed panel's state: the newest cdc_raw messages, a pause switch (while paused, new
// messages are counted but not kept, so what is on screen stays still for reading) and the one
// message selected for the JSON view. Pure reducer for useReducer.
import type { CdcRawData } from '../../../src/contracts/api.ts';

export interface RawItem {
  /** Page-local sequence number: a stable key and a stable selection. */
  seq: number;
  /** Server time of the envelope. */
  ts: string;
  data: CdcRawData;
}

export interface RawFeedState {
  items: RawItem[];
  paused: boolean;
  /** Messages that arrived while paused and were not kept. */
  missedWhilePaused: number;
  selectedSeq: number | null;
  nextSeq: number;
  capacity: number;
}

export type RawFeedAction =
  { type: 'message'; ts: string; data: CdcRawData } | { type: 'pause' } | { type: 'resume' } | { type: 'select'; seq: number | null } | { type: 'clear' };

export function initialRawFeed(capacity = 200): RawFeedState {
  return { items: [], paused: false, missedWhilePaused: 0, selectedSeq: null, nextSeq: 1, capacity };
}

export function rawFeedReducer(state: RawFeedState, action: RawFeedAction): RawFeedState {
  switch (action.type) {
    case 'message': {
      if (state.paused) return { ...state, missedWhilePaused: state.missedWhilePaused + 1 };
      // Newest first; the selected item stays selected only while it is still in the list.
      const items = [{ seq: state.nextSeq, ts: action.ts, data: action.data }, ...state.items].slice(0, state.capacity);
      const selectedSeq = state.selectedSeq !== null && items.some((i) => i.seq === state.selectedSeq) ? state.selectedSeq : null;
      return { ...state, items, selectedSeq, nextSeq: state.nextSeq + 1 };
    }
    case 'pause':
      return state.paused ? state : { ...state, paused: true, missedWhilePaused: 0 };
    case 'resume':
      return { ...state, paused: false };
    case 'select':
      return { ...state, selectedSeq: action.seq };
    case 'clear':
      return { ...state, items: [], selectedSeq: null, missedWhilePaused: 0 };
  }
}

/** A one-line summary of a Debezium envelope: operation and table, when the payload has them. */
export function summarizeRaw(data: CdcRawData): string {
  const p = data.payload as Record<string, unknown> | null;
  if (p === null || typeof p !== 'object') return 'tombstone';
  const body = (typeof p.payload === 'object' && p.payload !== null ? p.payload : p) as Record<string, unknown>;
  const op = typeof body.op === 'string' ? body.op : '?';
  const opName: Record<string, string> = { c: 'insert', u: 'update', d: 'delete', r: 'snapshot', t: 'truncate', m: 'message' };
  const source = (typeof body.source === 'object' && body.source !== null ? body.source : {}) as Record<string, unknown>;
  const where = [source.name, source.table].filter((x) => typeof x === 'string' && x !== '').join('.');
  const row = (body.after ?? body.before) as Record<string, unknown> | null | undefined;
  const id = row && typeof row === 'object' ? (row.TicketId ?? row.ticket_id ?? row.id ?? row.Id) : undefined;
  return `${opName[op] ?? op}${where ? ` ${where}` : ''}${id !== undefined ? ` #${String(id)}` : ''}`;
}
