// Cross-site judgement for a request. A browser names the page that sent a request in `Origin`
// (every cross-origin request, and same-origin ones that are not GET/HEAD) and, in Fetch Metadata,
// says `Sec-Fetch-Site: cross-site` when that page is on another site. A request is foreign when
// its Origin is neither this service's own origin nor on CORS_ALLOW_ORIGINS, or when the browser
// says cross-site and no listed Origin vouches for it. Non-browser clients send neither: they pass
// (and meet ADMIN_TOKEN on mutating routes).
import type { FastifyRequest } from 'fastify';

export interface OriginPolicy {
  /** CORS_ALLOW_ORIGINS; `*` counts for reads only, never for mutating routes. */
  allowedOrigins: ReadonlySet<string>;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The service's own origin as the browser sees it (Host, on http or https behind a TLS proxy). */
export function isSameOrigin(origin: string, request: FastifyRequest): boolean {
  const host = header(request, 'host');
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

/** Why the request is foreign, or null when it may go on. `forWrite` ignores a `*` allow-list. */
export function foreignOrigin(request: FastifyRequest, policy: OriginPolicy, forWrite: boolean): string | null {
  const origin = header(request, 'origin');
  const listed = origin !== undefined && (policy.allowedOrigins.has(origin) || (!forWrite && policy.allowedOrigins.has('*')));
  if (origin !== undefined && !listed && !isSameOrigin(origin, request)) {
    return `requests from origin ${origin} are not accepted (not this service's origin, not on CORS_ALLOW_ORIGINS${forWrite ? '; * does not cover mutating routes' : ''})`;
  }
  if (header(request, 'sec-fetch-site') === 'cross-site' && !listed) {
    return 'cross-site requests are not accepted (Sec-Fetch-Site: cross-site)';
  }
  return null;
}
