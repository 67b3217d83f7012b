// Route contracts: every route declares once, with zod, what it takes (params, query, body) and
// what it answers per status. The same declaration validates requests, serialises responses
// (unknown fields never leave), types the handler, and is served as JSON Schema at
// GET /api/contracts. Non-JSON answers (SSE, Prometheus text) are declared by media type.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/** Who may call a route: anyone (reads), ADMIN_TOKEN holders (mutations), METRICS_TOKEN holders. */
export type Access = 'public' | 'admin' | 'metrics';

export interface RouteContract<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST';
  url: string;
  summary: string;
  access: Access;
  params?: P;
  querystring?: Q;
  body?: B;
  /** Per status: a zod schema of the JSON body, or the media type of a non-JSON body. */
  responses: Record<number, z.ZodType | string>;
}

type In<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface ContractRequest<C extends RouteContract> extends FastifyRequest {
  params: In<C['params']>;
  query: In<C['querystring']>;
  body: In<C['body']>;
}

export type ContractHandler<C extends RouteContract> = (request: ContractRequest<C>, reply: FastifyReply) => Promise<unknown>;

function issuesText(error: z.ZodError, part: string): string {
  return error.issues.map((i) => `${part}${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; ');
}

/** zod as Fastify's validator and serialiser (call once on the root instance, before routes). */
export function useZodCompilers(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => (data: unknown) => {
    const result = (schema as unknown as z.ZodType).safeParse(data);
    if (result.success) return { value: result.data };
    return { error: new Error(issuesText(result.error, httpPart ?? 'request')) };
  });
  app.setSerializerCompiler(
    ({ schema }) =>
      (data: unknown) =>
        JSON.stringify((schema as unknown as z.ZodType).parse(data)),
  );
  // The validator's message as is (Fastify would prefix it with the part once more).
  app.setSchemaErrorFormatter((errors) => new Error(errors.map((e) => e.message).join('; ')));
}

/** Registers a route from its contract; `guard` runs first (onRequest), e.g. METRICS_TOKEN. */
export function defineRoute<C extends RouteContract>(
  app: FastifyInstance,
  contract: C,
  handler: ContractHandler<C>,
  guard?: (request: FastifyRequest, reply: FastifyReply) => Promise<void>,
): void {
  if (contract.method !== 'GET' && contract.access !== 'admin') {
    throw new Error(`${contract.method} ${contract.url}: a mutating route must declare access 'admin'`);
  }
  const response: Record<number, z.ZodType> = {};
  for (const [status, body] of Object.entries(contract.responses)) if (typeof body !== 'string') response[Number(status)] = body;
  app.route({
    method: contract.method,
    url: contract.url,
    schema: {
      ...(contract.params ? { params: contract.params } : {}),
      ...(contract.querystring ? { querystring: contract.querystring } : {}),
      ...(contract.body ? { body: contract.body } : {}),
      response,
    },
    ...(guard ? { onRequest: guard } : {}),
    handler: handler as unknown as (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  });
}

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

/** The contracts as JSON Schema (draft-07), for GET /api/contracts and for client generators. */
export function describeContracts(contracts: RouteContract[]): Array<Record<string, unknown>> {
  return contracts.map((c) => ({
    method: c.method,
    url: c.url,
    summary: c.summary,
    access: c.access,
    ...(c.params ? { params: jsonSchema(c.params, 'input') } : {}),
    ...(c.querystring ? { querystring: jsonSchema(c.querystring, 'input') } : {}),
    ...(c.body ? { body: jsonSchema(c.body, 'input') } : {}),
    responses: Object.fromEntries(
      Object.entries(c.responses).map(([status, body]) => [
        status,
        typeof body === 'string' ? { mediaType: body } : { mediaType: 'application/json', schema: jsonSchema(body, 'output') },
      ]),
    ),
  }));
}
