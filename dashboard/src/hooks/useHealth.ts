// Polls /api/health: every few seconds, at once when refreshKey changes (a reconnect, a batch).
// Keeps the last good answer on a failed poll and reports the failure beside it.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { HealthResponse } from '../../../src/contracts/api.ts';
import type { Api } from '../lib/api-client.ts';

export interface HealthState {
  health: HealthResponse | null;
  /** Epoch ms of the last successful poll. */
  fetchedAt: number | null;
  error: string | null;
}

export function useHealth(api: Api, refreshKey: unknown, intervalMs = 5000, onHealth?: (h: HealthResponse, at: number) => void): HealthState {
  const [state, setState] = useState<HealthState>({ health: null, fetchedAt: null, error: null });
  const callback = useRef(onHealth);
  useEffect(() => {
    callback.current = onHealth;
  });
  const inFlight = useRef<AbortController | null>(null);

  const poll = useCallback(async () => {
    inFlight.current?.abort();
    const ctrl = new AbortController();
    inFlight.current = ctrl;
    try {
      const health = await api.health(ctrl.signal);
      const at = Date.now();
      setState({ health, fetchedAt: at, error: null });
      callback.current?.(health, at);
    } catch (e) {
      if (ctrl.signal.aborted) return;
      setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e) }));
    }
  }, [api]);

  useEffect(() => {
    void poll();
  }, [poll, refreshKey]);

  useEffect(() => {
    const timer = setInterval(() => void poll(), intervalMs);
    return () => {
      clearInterval(timer);
      inFlight.current?.abort();
    };
  }, [poll, intervalMs]);

  return state;
}
