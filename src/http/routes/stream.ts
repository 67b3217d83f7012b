// GET /api/stream: Server-Sent Events. The response is handed to the broadcaster, which owns the
// per-client bounded queue; heartbeats keep proxies from closing an idle stream. Beyond
// SSE_MAX_CLIENTS (or SSE_MAX_CLIENTS_PER_IP for one address) a new stream gets 503 + Retry-After.
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../context.ts';
import { serializeEvent } from '../../sse/broadcaster.ts';
import { defineRoute } from '../contract.ts';
import { streamContract } from '../contracts.ts';

/** Seconds a refused client is told to wait; EventSource itself retries after `retry:` below. */
export const SSE_RETRY_AFTER_SEC = 5;

export const streamRoutes: FastifyPluginAsync<{ context: ServiceContext }> = async (app, { context }) => {
  defineRoute(app, streamContract, async (request, reply) => {
    const refused = context.broadcaster.admit(request.ip);
    if (refused) {
      context.broadcaster.refused++;
      return reply.code(503).header('retry-after', String(SSE_RETRY_AFTER_SEC)).send({ error: refused, code: 'SHORI_HTTP_BUSY' });
    }
    const origin = request.headers.origin;
    const headers: Record<string, string> = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    };
    // The cross-site guard has already refused foreign origins; a listed one may read the stream.
    const allowed = context.config.CORS_ALLOW_ORIGINS;
    if (origin && (allowed.includes('*') || allowed.includes(origin))) {
      headers['access-control-allow-origin'] = origin;
      headers.vary = 'Origin';
    }
    reply.hijack();
    reply.raw.writeHead(200, headers);
    // Tell EventSource how soon to reconnect, and greet with a heartbeat so clients see life at once.
    reply.raw.write('retry: 2000\n\n');
    context.broadcaster.attach(reply.raw, [serializeEvent('heartbeat', {})], request.ip);
  });
};
