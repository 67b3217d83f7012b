// POST /api/lakehouse/restart: restarts a lakehouse worker stopped by a fatal error, once the
// operator has fixed the cause. Answers 409 when the worker is running. An admin route: the app's
// guard for every mutating method refuses cross-site callers, non-JSON bodies and, when
// ADMIN_TOKEN is set, callers without it, before this runs.
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../context.ts';
import { defineRoute } from '../contract.ts';
import { restartContract } from '../contracts.ts';

export const lakehouseRoutes: FastifyPluginAsync<{ context: ServiceContext }> = async (app, { context }) => {
  defineRoute(app, restartContract, async (_request, reply) => {
    if (!context.restartLakehouse()) return reply.code(409).send({ error: 'the lakehouse worker is running', code: 'SHORI_CONFLICT' });
    return { restarted: true as const };
  });
};
