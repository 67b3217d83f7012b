// GET /api/stream: Server-Sent Events. The response is handed to the broadcaster, which owns the
// per-client bounded queue; heartbeats keep proxies from closing an idle stream.
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../context.ts';
import { serializeEvent } from '../../sse/broadcaster.ts';

export const streamRoutes: FastifyPluginAsync<{ context: ServiceContext }> = async (app, { context }) => {
  app.get('/api/stream', async (request, reply) => {
    const origin = request.headers.origin;
    const headers: Record<string, string> = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    };
    const allowed = context.config.CORS_ALLOW_ORIGINS;
    if (origin && (allowed.includes('*') || allowed.includes(origin))) {
      headers['access-control-allow-origin'] = origin;
      headers.vary = 'Origin';
    }
    reply.hijack();
    reply.raw.writeHead(200, headers);
    // Tell EventSource how soon to reconnect, and greet with a heartbeat so clients see life at once.
    reply.raw.write('retry: 2000\n\n');
    context.broadcaster.attach(reply.raw, [serializeEvent('heartbeat', {})]);
  });
};
