// Fans SSE envelopes out to every connected client. Each message is serialized once and pushed into
// every client's bounded queue (see client-queue.ts). Admission is bounded: at most `maxClients`
// streams, and `maxClientsPerIp` per client address (a new stream beyond them is refused by the
// route with 503 + Retry-After). Error messages pass through `scrub` (no absolute paths out).
import type { ServerResponse } from 'node:http';
import type { SseData, SseEnvelope, SseEventType } from '../contracts/api.ts';
import { ClientQueue } from './client-queue.ts';
import { isoMicros } from '../util/time.ts';

export interface BroadcasterOptions {
  queueSize: number;
  overflowLimit: number;
  onDisconnectSlow?: (clientId: number, reason: string) => void;
  /** Defaults: unlimited (tests, benches); the service passes SSE_MAX_CLIENTS(_PER_IP). */
  maxClients?: number;
  maxClientsPerIp?: number;
  scrub?: (text: string) => string;
}

interface Client {
  id: number;
  queue: ClientQueue;
  response: ServerResponse;
  ip: string;
}

export function serializeEvent<T extends SseEventType>(type: T, data: SseData[T], ts: string = isoMicros()): string {
  const envelope: SseEnvelope<T> = { type, ts, data };
  return `event: ${type}\ndata: ${JSON.stringify(envelope)}\n\n`;
}

export class Broadcaster {
  readonly #options: BroadcasterOptions;
  readonly #clients = new Map<number, Client>();
  #nextId = 1;
  /** Messages dropped across all clients since start. */
  dropped = 0;
  disconnectedSlow = 0;
  /** Streams refused for being over a limit. */
  refused = 0;
  readonly #perIp = new Map<string, number>();

  constructor(options: BroadcasterOptions) {
    this.#options = options;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** null when a new stream from `ip` may open; otherwise why not (the limit reached). */
  admit(ip: string): string | null {
    const { maxClients = Infinity, maxClientsPerIp = Infinity } = this.#options;
    if (this.#clients.size >= maxClients) return `the service has its maximum of ${maxClients} streams open (SSE_MAX_CLIENTS)`;
    if ((this.#perIp.get(ip) ?? 0) >= maxClientsPerIp) return `this address has its maximum of ${maxClientsPerIp} streams open (SSE_MAX_CLIENTS_PER_IP)`;
    return null;
  }

  publish<T extends SseEventType>(type: T, data: SseData[T]): void {
    if (this.#clients.size === 0) return;
    const scrub = this.#options.scrub;
    if (scrub && type === 'pipeline_error')
      data = { ...(data as SseData['pipeline_error']), message: scrub((data as SseData['pipeline_error']).message) } as SseData[T];
    const chunk = serializeEvent(type, data);
    for (const client of this.#clients.values()) client.queue.push(chunk);
  }

  /** Takes over a raw HTTP response as an event stream. */
  attach(response: ServerResponse, initial: string[] = [], ip = ''): number {
    const id = this.#nextId++;
    const queue = new ClientQueue({
      capacity: this.#options.queueSize,
      overflowLimit: this.#options.overflowLimit,
      write: (chunk) => response.write(chunk),
      onDrop: () => this.dropped++,
      disconnect: (reason) => {
        this.disconnectedSlow++;
        this.#options.onDisconnectSlow?.(id, reason);
        this.#remove(id);
        response.destroy();
      },
    });
    const client: Client = { id, queue, response, ip };
    this.#clients.set(id, client);
    this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1);
    response.on('drain', () => queue.drained());
    response.on('close', () => this.#remove(id));
    for (const chunk of initial) queue.push(chunk);
    return id;
  }

  #remove(id: number): void {
    const client = this.#clients.get(id);
    if (!client) return;
    client.queue.close();
    this.#clients.delete(id);
    const left = (this.#perIp.get(client.ip) ?? 1) - 1;
    if (left > 0) this.#perIp.set(client.ip, left);
    else this.#perIp.delete(client.ip);
  }

  /** Ends every stream (shutdown). */
  closeAll(): void {
    for (const client of [...this.#clients.values()]) {
      this.#remove(client.id);
      client.response.end();
    }
  }
}
