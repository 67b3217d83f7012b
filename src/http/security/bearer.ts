// Bearer tokens (ADMIN_TOKEN, METRICS_TOKEN), compared in constant time over their digests so
// neither the length nor a prefix of the token leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return m !== null && timingSafeEqual(digest(m[1]), digest(token));
}
