// The request guards, as Fastify hooks. Order for every request: the Host allow-list (421), then,
// for the API and /metrics, the cross-site check (403); mutating routes add the JSON-only body
// rule (415) and ADMIN_TOKEN (401); /metrics adds METRICS_TOKEN (401). Each refusal is a
// ShoriError the app's error handler turns into its status, before any route code runs.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.ts';
import { ShoriError } from '../../errors.ts';
import { bearerMatches } from './bearer.ts';
import { createHostAllowList } from './host-allow-list.ts';
import { foreignOrigin, type OriginPolicy } from './request-origin.ts';

export type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface Guards {
  host: Guard;
  crossSite: Guard;
  admin: Guard;
  metrics: Guard;
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType);
}

export function createGuards(config: Config): Guards {
  const hosts = createHostAllowList(config.ALLOWED_HOSTS, config.HOST);
  const policy: OriginPolicy = { allowedOrigins: new Set(config.CORS_ALLOW_ORIGINS) };
  const token =
    (secret: string, name: string): Guard =>
    async (request) => {
      if (secret === '' || bearerMatches(request.headers.authorization, secret)) return;
      throw new ShoriError('SHORI_HTTP_UNAUTHORIZED', `this route requires the ${name} bearer token (Authorization: Bearer <token>)`);
    };
  const adminToken = token(config.ADMIN_TOKEN, 'ADMIN_TOKEN');
  return {
    async host(request) {
      // The socket's own port (PORT=0 picks one at listen time); inject() has none, so PORT.
      const port = request.socket?.localPort ?? config.PORT;
      if (!hosts.allows(request.headers.host, port)) {
        throw new ShoriError('SHORI_HTTP_MISDIRECTED', 'this service does not answer to that Host (see ALLOWED_HOSTS)');
      }
    },
    async crossSite(request) {
      const why = foreignOrigin(request, policy, false);
      if (why) throw new ShoriError('SHORI_HTTP_CROSS_SITE', why);
    },
    async admin(request, reply) {
      const why = foreignOrigin(request, policy, true);
      if (why) throw new ShoriError('SHORI_HTTP_CROSS_SITE', why);
      if (!isJson(request.headers['content-type'])) {
        throw new ShoriError('SHORI_HTTP_NOT_JSON', 'mutating routes take a JSON body: Content-Type: application/json, e.g. {}');
      }
      await adminToken(request, reply);
    },
    metrics: token(config.METRICS_TOKEN, 'METRICS_TOKEN'),
  };
}
