// GET /api/health: worker states, client count, counters, lag and the active knobs (never a secret).
import type { FastifyPluginAsync } from 'fastify';
import type { HealthResponse } from '../../contracts/api.ts';
import type { ServiceContext } from '../context.ts';
import { publicKnobs } from '../../config/index.ts';

const STALE_MS = 15_000;

export const healthRoutes: FastifyPluginAsync<{ context: ServiceContext }> = async (app, { context }) => {
  app.get('/api/health', {
    schema: {
      response: {
        200: {
          type: 'object',
          required: ['status', 'feed', 'ui_consumer_alive', 'lakehouse_alive', 'lakehouse_running', 'clients', 'counters', 'lag', 'knobs', 'uptime_sec'],
          properties: {
            status: { type: 'string' },
            feed: { type: 'string' },
            ui_consumer_alive: { type: 'boolean' },
            lakehouse_alive: { type: 'boolean' },
            lakehouse_running: { type: 'boolean' },
            lakehouse_pending: { type: 'boolean' },
            clients: { type: 'integer' },
            counters: {
              type: 'object',
              properties: {
                events_received: { type: 'integer' },
                events_dropped: { type: 'integer' },
                batches_ok: { type: 'integer' },
                batches_failed: { type: 'integer' },
                last_batch_at: { type: ['string', 'null'] },
                last_error: { type: ['string', 'null'] },
                last_error_at: { type: ['string', 'null'] },
                events_rejected: { type: 'integer' },
                decode_errors: { type: 'integer' },
                events_redelivered: { type: 'integer' },
              },
            },
            lag: {
              type: 'array',
              items: { type: 'object', properties: { stream: { type: 'string' }, partition: { type: 'integer' }, next: { type: 'integer' }, end: { type: 'integer' }, lag: { type: 'integer' } } },
            },
            knobs: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
            uptime_sec: { type: 'number' },
            warnings: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
    handler: async (): Promise<HealthResponse> => {
      const { state, broadcaster, feed } = context;
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
          last_error: state.lastError,
          last_error_at: state.lastErrorAt,
          events_rejected: state.eventsRejected,
          decode_errors: state.decodeErrors,
          events_redelivered: state.redelivered,
        },
        lag,
        knobs: publicKnobs(context.config),
        uptime_sec: Math.round((Date.now() - state.startedAtMs) / 100) / 10,
        warnings: state.warnings.slice(-20),
      };
    },
  });
};
