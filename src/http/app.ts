// The HTTP service as a Fastify plugin tree: the app is built here and only listened on by main.ts,
// so tests can use app.inject() without a port. Routes live in routes/ under the URL they serve and
// are declared by their contracts (contracts.ts). Guards (security/guards.ts) run before routes:
// the Host allow-list for every request, the cross-site check for the API and /metrics, tokens
// and JSON-only bodies where the route's access says so.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
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
import { isShoriError, type ErrorCode } from '../errors.ts';
import { defineRoute, describeContracts, useZodCompilers } from './contract.ts';
import { contractsContract, ROUTE_CONTRACTS } from './contracts.ts';
import { createGuards } from './security/guards.ts';

/** Methods that change nothing; CORS preflights (OPTIONS) are answered by @fastify/cors. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const STATUS: Partial<Record<ErrorCode, number>> = {
  SHORI_HTTP_BAD_REQUEST: 400,
  SHORI_HTTP_UNAUTHORIZED: 401,
  SHORI_HTTP_CROSS_SITE: 403,
  SHORI_NOT_FOUND: 404,
  SHORI_HTTP_NOT_JSON: 415,
  SHORI_HTTP_MISDIRECTED: 421,
  SHORI_HTTP_BUSY: 503,
  SHORI_QUERY_LIMIT: 503,
};

export async function buildApp(context: ServiceContext, logger: Logger, options: { dashboardDir?: string } = {}): Promise<FastifyInstance> {
  const { config } = context;
  // Per-request lines would drown the pipeline's own logs (the dashboard polls); errors still log.
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Behind a reverse proxy, the client address (SSE_MAX_CLIENTS_PER_IP) comes from X-Forwarded-For.
    trustProxy: config.TRUST_PROXY.length > 0 ? config.TRUST_PROXY : false,
  }) as unknown as FastifyInstance;
  useZodCompilers(app);
  const guards = createGuards(config);
  // First of all, before any route runs: a Host this service does not answer to gets 421.
  app.addHook('onRequest', guards.host);
  app.addHook('onRequest', async (request, reply) => {
    // Every method that can change something meets the admin guard, whatever the route (a route
    // added later cannot forget it); reads of the API and /metrics meet the cross-site check.
    if (!SAFE_METHODS.has(request.method)) await guards.admin(request, reply);
    else if (request.url.startsWith('/api/') || request.url === '/metrics' || request.url.startsWith('/metrics?')) await guards.crossSite(request, reply);
  });
  const allowed = new Set(config.CORS_ALLOW_ORIGINS);
  await app.register(cors, {
    // Requests without an Origin (same origin, curl) pass; browsers from other origins must be listed.
    origin: (origin, callback) => callback(null, origin === undefined || allowed.has('*') || allowed.has(origin)),
    allowedHeaders: ['content-type', 'authorization'],
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isShoriError(error)) {
      const status = STATUS[error.code];
      if (status !== undefined) {
        if (status === 401) reply.header('www-authenticate', 'Bearer');
        if (status === 503) reply.header('retry-after', '5');
        return reply.code(status).send({ error: context.scrub(error.message), code: error.code });
      }
    }
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: context.scrub(error.message), ...(error.code ? { code: error.code } : {}) });
    request.log.error({ err: error }, 'request failed');
    // A 5xx never leaks internals.
    return reply.code(500).send({ error: 'internal error', code: 'SHORI_INTERNAL' });
  });
  await app.register(healthRoutes, { context });
  await app.register(streamRoutes, { context });
  await app.register(tableRoutes, { context });
  await app.register(lakehouseRoutes, { context });
  await app.register(metricsRoutes, { context, guard: guards.metrics });
  const described = describeContracts(ROUTE_CONTRACTS);
  defineRoute(app, contractsContract, async () => described);
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
      reply
        .type('text/html')
        .send(
          '<!doctype html><title>shori-realtime</title><p>The dashboard is not built: run <code>npm run build</code>. The API is at <a href="/api/health">/api/health</a>.</p>',
        ),
    );
  }
  return app;
}
