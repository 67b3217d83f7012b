// What the pipeline-error banner shows. An error stays up until the service says it cleared
// (pipeline_error with cleared: true) or health shows the lakehouse running and healthy (status ok;
// last_error stays visible after recovery, so it alone does not keep the banner up).
// Health also raises the banner for a page opened after the error was sent (SSE does not replay):
// a stopped lakehouse worker with a last_error is reported even if no pipeline_error was seen.
import type { HealthResponse, PipelineErrorData } from '../../../src/contracts/api.ts';

export interface ActiveError {
  message: string;
  fatal: boolean;
  code: string | null;
  /** Epoch ms when the banner was raised (first error of this episode). */
  since: number;
  /** How many pipeline_error messages this episode has had. */
  count: number;
  origin: 'stream' | 'health';
}

export type BannerAction = { type: 'pipeline_error'; at: number; data: PipelineErrorData } | { type: 'health'; at: number; health: HealthResponse };

export function bannerReducer(state: ActiveError | null, action: BannerAction): ActiveError | null {
  if (action.type === 'pipeline_error') {
    const d = action.data;
    if (d.cleared) return null;
    return {
      message: d.message,
      // Once the worker has stopped, a later non-fatal message does not restart it.
      fatal: Boolean(d.fatal) || Boolean(state?.fatal),
      code: d.code ?? null,
      since: state?.since ?? action.at,
      count: (state?.count ?? 0) + 1,
      origin: 'stream',
    };
  }
  const h = action.health;
  if (h.lakehouse_running && h.status === 'ok') return null;
  if (state === null && !h.lakehouse_running && h.counters.last_error !== null) {
    return { message: h.counters.last_error, fatal: true, code: null, since: action.at, count: 0, origin: 'health' };
  }
  return state;
}
