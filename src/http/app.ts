// The HTTP service as a Fastify plugin tree: the app is built here and only listened on by main.ts,
// so tests can use app.inject() without a port. Routes live in routes/ under the URL they serve.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import type { Logger } from '../log/logger.ts';
import type { ServiceContext } from './context.ts';
import { healthRoutes } from './routes/health.ts';
import { streamRoutes } from './routes/stream.ts';
import { tableRoutes } from './routes/tables.ts';
import { lakehouseRoutes } from './routes/lakehouse.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { isShoriError } from '../errors.ts';

export async function buildApp(context: ServiceContext, logger: Logger, options: { dashboardDir?: string } = {}): Promise<FastifyInstance> {
  // Per-request lines would drown the pipeline's own logs (the dashboard polls); errors still log.
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  const allowed = new Set(context.config.CORS_ALLOW_ORIGINS);
  await app.register(cors, {
    // Requests without an Origin (same origin, curl) pass; browsers from other origins must be listed.
    origin: (origin, callback) => callback(null, origin === undefined || allowed.has('*') || allowed.has(origin)),
  });
  app.setErrorHandler((error, request, reply) => {
    if (isShoriError(error, 'SHORI_HTTP_BAD_REQUEST')) return reply.code(400).send({ error: error.message });
    if (isShoriError(error, 'SHORI_NOT_FOUND')) return reply.code(404).send({ error: error.message });
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: (error as Error).message });
    request.log.error({ err: error }, 'request failed');
    // A 5xx never leaks internals.
    return reply.code(500).send({ error: 'internal error' });
  });
  await app.register(healthRoutes, { context });
  await app.register(streamRoutes, { context });
  await app.register(tableRoutes, { context });
  await app.register(lakehouseRoutes, { context });
  await app.register(metricsRoutes, { context });
  if (options.dashboardDir && existsSync(options.dashboardDir)) {
    // wildcard: true serves whatever the build holds now, so a rebuilt dashboard needs no restart.
    await app.register(fastifyStatic, { root: options.dashboardDir, prefix: '/', wildcard: true });
    app.setNotFoundHandler((request, reply) => {
      // Only page routes fall back to the app shell; a missing API route or asset is a real 404.
      if (request.url.startsWith('/api/') || request.url.startsWith('/assets/') || /\.[a-z0-9]+(\?|$)/i.test(request.url)) {
        return reply.code(404).send({ error: 'not found' });
      }
      return reply.sendFile('index.html');
    });
  } else {
    app.get('/', async (_request, reply) =>
      reply.type('text/html').send('<!doctype html><title>shori-realtime</title><p>The dashboard is not built: run <code>npm run build</code>. The API is at <a href="/api/health">/api/health</a>.</p>'),
    );
  }
  return app;
}
