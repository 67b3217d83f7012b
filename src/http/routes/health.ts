// GET /api/health: worker states, client count, counters, lag and the active knobs (never a secret).
// Error texts leave with paths relative to the lake and no stack (context.scrub).
import type { FastifyPluginAsync } from 'fastify';
import type { HealthResponse } from '../../contracts/api.ts';
import type { ServiceContext } from '../context.ts';
import { publicKnobs } from '../../config/index.ts';
import { defineRoute } from '../contract.ts';
import { healthContract } from '../contracts.ts';

const STALE_MS = 15_000;

export const healthRoutes: FastifyPluginAsync<{ context: ServiceContext }> = async (app, { context }) => {
  const knobs = publicKnobs(context.config);
  defineRoute(app, healthContract, async (): Promise<HealthResponse> => {
    const { state, broadcaster, feed, scrub } = context;
    const uiAlive = state.alive(state.ui, STALE_MS);
    const lakehouseAlive = state.alive(state.lakehouse, STALE_MS);
    const subscription = context.lakehouseSubscription();
    const lag = subscription ? await subscription.lag().catch(() => []) : [];
    return {
      status: uiAlive && lakehouseAlive && !state.failing ? 'ok' : 'degraded',
      feed: feed.kind,
      ui_consumer_alive: uiAlive,
      lakehouse_alive: lakehouseAlive,
      lakehouse_running: state.lakehouse.running,
      lakehouse_pending: state.derivedPending,
      clients: broadcaster.clientCount,
      counters: {
        events_received: state.eventsReceived,
        events_dropped: broadcaster.dropped,
        batches_ok: state.batchesOk,
        batches_failed: state.batchesFailed,
        last_batch_at: state.lastBatchAt,
        last_error: state.lastError === null ? null : scrub(state.lastError),
        last_error_at: state.lastErrorAt,
        events_rejected: state.eventsRejected,
        decode_errors: state.decodeErrors,
        events_redelivered: state.redelivered,
      },
      lag,
      knobs,
      uptime_sec: Math.round((Date.now() - state.startedAtMs) / 100) / 10,
      warnings: state.warnings.slice(-20).map(scrub),
    };
  });
};
