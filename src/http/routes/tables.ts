// The read API the dashboard uses: GET /api/tables (the catalogue) and
// GET /api/tables/:layer/:name?version=&limit=&offset= (a page of rows, with time travel).
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../context.ts';

export const tableRoutes: FastifyPluginAsync<{ context: ServiceContext }> = async (app, { context }) => {
  app.get('/api/tables', async () => ({ tables: await context.catalog.list() }));

  app.get<{ Params: { layer: string; name: string }; Querystring: { version?: number; limit: number; offset: number } }>('/api/tables/:layer/:name', {
    schema: {
      params: {
        type: 'object',
        required: ['layer', 'name'],
        properties: { layer: { type: 'string', enum: ['bronze', 'silver', 'gold'] }, name: { type: 'string', pattern: '^[A-Za-z0-9_]{1,64}$' } },
      },
      querystring: {
        type: 'object',
        properties: {
          version: { type: 'integer', minimum: 0 },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          offset: { type: 'integer', minimum: 0, default: 0 },
        },
      },
    },
    handler: async (request) => context.catalog.rows(request.params.layer, request.params.name, request.query),
  });
};
