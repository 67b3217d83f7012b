// Every route of the service, declared once (see contract.ts). Route files import their contract;
// GET /api/contracts serves this list as JSON Schema; the contract tests answer each declared status.
import { z } from 'zod';
import {
  EmptyBodySchema,
  ErrorResponseSchema,
  HealthResponseSchema,
  RestartResponseSchema,
  TableParamsSchema,
  TableRowsQuerySchema,
  TableRowsResponseSchema,
  TablesResponseSchema,
} from '../contracts/api.ts';
import type { RouteContract } from './contract.ts';

const E = ErrorResponseSchema;
/** Answers any route may give before it runs: a foreign Host (421). */
const HOST = { 421: E } as const;

export const healthContract = {
  method: 'GET',
  url: '/api/health',
  access: 'public',
  summary: 'Worker states, client count, counters, lag and the active knobs (never a secret)',
  responses: { 200: HealthResponseSchema, 403: E, ...HOST },
} satisfies RouteContract;

export const streamContract = {
  method: 'GET',
  url: '/api/stream',
  access: 'public',
  summary: 'Server-Sent Events: cdc_stats, cdc_raw, lakehouse_update, pipeline_error, heartbeat',
  responses: { 200: 'text/event-stream', 403: E, 503: E, ...HOST },
} satisfies RouteContract;

export const tablesContract = {
  method: 'GET',
  url: '/api/tables',
  access: 'public',
  summary: 'The table catalogue: versions, files, rows (from Delta statistics) and columns',
  responses: { 200: TablesResponseSchema, 403: E, ...HOST },
} satisfies RouteContract;

export const tableRowsContract = {
  method: 'GET',
  url: '/api/tables/:layer/:name',
  access: 'public',
  summary: 'A page of rows in a stable order, with time travel by version',
  params: TableParamsSchema,
  querystring: TableRowsQuerySchema,
  responses: { 200: TableRowsResponseSchema, 400: E, 403: E, 404: E, 503: E, ...HOST },
} satisfies RouteContract;

export const restartContract = {
  method: 'POST',
  url: '/api/lakehouse/restart',
  access: 'admin',
  summary: 'Restarts a lakehouse worker stopped by a fatal error, once its cause is fixed',
  body: EmptyBodySchema,
  responses: { 200: RestartResponseSchema, 400: E, 401: E, 403: E, 409: E, 415: E, ...HOST },
} satisfies RouteContract;

export const metricsContract = {
  method: 'GET',
  url: '/metrics',
  access: 'metrics',
  summary: 'Prometheus exposition of counters, worker states, SSE clients and lag',
  responses: { 200: 'text/plain; version=0.0.4', 401: E, 403: E, ...HOST },
} satisfies RouteContract;

export const contractsContract = {
  method: 'GET',
  url: '/api/contracts',
  access: 'public',
  summary: 'These contracts as JSON Schema (draft-07)',
  responses: { 200: z.array(z.record(z.string(), z.unknown())), 403: E, ...HOST },
} satisfies RouteContract;

export const ROUTE_CONTRACTS: RouteContract[] = [
  healthContract,
  streamContract,
  tablesContract,
  tableRowsContract,
  restartContract,
  metricsContract,
  contractsContract,
];
