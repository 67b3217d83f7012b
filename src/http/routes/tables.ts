// The read API the dashboard uses: GET /api/tables (the catalogue) and
// GET /api/tables/:layer/:name?version=&limit=&offset= (a page of rows in a stable order, with
// time travel). Pages are capped at TABLE_API_MAX_PAGE_SIZE.
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../context.ts';
import { ShoriError } from '../../errors.ts';
import { defineRoute } from '../contract.ts';
import { tableRowsContract, tablesContract } from '../contracts.ts';

const DEFAULT_PAGE = 100;

export const tableRoutes: FastifyPluginAsync<{ context: ServiceContext }> = async (app, { context }) => {
  defineRoute(app, tablesContract, async () => ({ tables: await context.catalog.list() }));

  defineRoute(app, tableRowsContract, async (request) => {
    const max = context.config.TABLE_API_MAX_PAGE_SIZE;
    const { version, offset, limit = Math.min(DEFAULT_PAGE, max) } = request.query;
    if (limit > max) {
      throw new ShoriError('SHORI_HTTP_BAD_REQUEST', `limit ${limit} is above the page-size cap ${max} (TABLE_API_MAX_PAGE_SIZE)`, { context: { limit, max } });
    }
    return context.catalog.rows(request.params.layer, request.params.name, { version, offset, limit });
  });
};
