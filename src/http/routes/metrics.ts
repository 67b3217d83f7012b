// GET /metrics: Prometheus exposition of the pipeline's counters, worker states, SSE clients and the
// lakehouse consumer's lag per partition (plus the process metrics prom-client collects).
// METRICS_TOKEN, when set, is required as a bearer token.
import type { FastifyPluginAsync } from 'fastify';
import { Registry, Gauge, collectDefaultMetrics } from 'prom-client';
import type { ServiceContext } from '../context.ts';
import type { Guard } from '../security/guards.ts';
import { defineRoute } from '../contract.ts';
import { metricsContract } from '../contracts.ts';

export const metricsRoutes: FastifyPluginAsync<{ context: ServiceContext; guard: Guard }> = async (app, { context, guard }) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shori_' });
  const { state, broadcaster } = context;
  // Gauges read at scrape time, so the hot path pays nothing for metrics.
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('shori_events_received_total', 'Change events received by the UI consumer', () => state.eventsReceived);
  gauge('shori_sse_events_dropped_total', 'SSE messages dropped on client queue overflow', () => broadcaster.dropped);
  gauge('shori_sse_clients', 'Connected SSE clients', () => broadcaster.clientCount);
  gauge('shori_sse_clients_refused_total', 'SSE streams refused over SSE_MAX_CLIENTS(_PER_IP)', () => broadcaster.refused);
  gauge('shori_sse_clients_disconnected_slow_total', 'SSE clients disconnected for overflowing', () => broadcaster.disconnectedSlow);
  gauge('shori_lakehouse_batches_ok_total', 'Micro-batches committed', () => state.batchesOk);
  gauge('shori_lakehouse_batches_failed_total', 'Micro-batch attempts that failed', () => state.batchesFailed);
  gauge('shori_events_redelivered_total', 'Change events Debezium re-published, recognised and skipped', () => state.redelivered);
  gauge('shori_events_rejected_total', 'Events that could not be applied, quarantined in silver/_rejected', () => state.eventsRejected);
  gauge('shori_lakehouse_failing', '1 while the last lakehouse attempt failed and none succeeded since', () => (state.failing ? 1 : 0));
  gauge('shori_decode_errors_total', 'Records that could not be decoded (kept in Bronze)', () => state.decodeErrors);
  gauge('shori_lakehouse_running', '1 while the lakehouse worker runs', () => (state.lakehouse.running ? 1 : 0));
  gauge('shori_ui_consumer_running', '1 while the UI consumer runs', () => (state.ui.running ? 1 : 0));
  new Gauge({
    name: 'shori_consumer_lag',
    help: 'Lakehouse consumer lag per partition (records not yet committed)',
    labelNames: ['stream', 'partition'],
    registers: [registry],
    async collect() {
      this.reset();
      const subscription = context.lakehouseSubscription();
      if (!subscription) return;
      for (const p of await subscription.lag().catch(() => [])) this.set({ stream: p.stream, partition: String(p.partition) }, p.lag);
    },
  });
  defineRoute(app, metricsContract, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()), guard);
};
