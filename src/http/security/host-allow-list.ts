// ALLOWED_HOSTS: the Host header must name this service. Checked before routing, so a web page
// that re-points its own DNS name at 127.0.0.1 (DNS rebinding) reads nothing: its requests carry
// its own name and get 421. Default: the name in HOST plus localhost, 127.0.0.1 and [::1] (and
// the machine's name when HOST listens on every interface), each on the listening port.
import os from 'node:os';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

export interface HostAllowList {
  /** true when `hostHeader` may be served on a socket whose local port is `port`. */
  allows(hostHeader: string | undefined, port: number): boolean;
  /** What is accepted, for messages and the README (e.g. "localhost:<port>"). */
  describe(): string;
}

/** `name[:port]` → [name, port]; IPv6 in brackets; lower-cased; null when malformed. */
export function parseHost(host: string): [string, number | null] | null {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  if (!m) return null;
  return [m[1].toLowerCase().replace(/\.$/, ''), m[2] === undefined ? null : Number(m[2])];
}

function bracketed(name: string): string {
  return name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
}

export function createHostAllowList(allowedHosts: string[], bindHost: string): HostAllowList {
  if (allowedHosts.includes('*')) return { allows: () => true, describe: () => 'any host (ALLOWED_HOSTS=*)' };
  if (allowedHosts.length > 0) {
    const entries = allowedHosts.map((entry) => {
      const parsed = parseHost(entry);
      if (!parsed) throw new Error(`ALLOWED_HOSTS entry ${JSON.stringify(entry)} is not a host name or host:port`);
      return parsed;
    });
    return {
      allows(hostHeader) {
        const parsed = hostHeader ? parseHost(hostHeader) : null;
        if (!parsed) return false;
        return entries.some(([name, port]) => name === parsed[0] && (port === null || port === parsed[1]));
      },
      describe: () => allowedHosts.join(','),
    };
  }
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (WILDCARD_HOSTS.has(bindHost)) names.add(os.hostname().toLowerCase());
  else names.add(bracketed(bindHost.toLowerCase()));
  return {
    allows(hostHeader, port) {
      const parsed = hostHeader ? parseHost(hostHeader) : null;
      return parsed !== null && names.has(parsed[0]) && parsed[1] === port;
    },
    describe: () => [...names].map((n) => `${n}:<port>`).join(','),
  };
}
