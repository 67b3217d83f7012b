// POST /api/lakehouse/restart: restarts a lakehouse worker stopped by a fatal error, once the
// operator has fixed the cause. Answers 409 when the worker is running.
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../context.ts';

export const lakehouseRoutes: FastifyPluginAsync<{ context: ServiceContext }> = async (app, { context }) => {
  app.post('/api/lakehouse/restart', async (_request, reply) => {
    if (!context.restartLakehouse()) return reply.code(409).send({ error: 'the lakehouse worker is running' });
    return { restarted: true };
  });
};
