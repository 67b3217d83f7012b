// Fans SSE envelopes out to every connected client. Each message is serialized once and pushed into
// every client's bounded queue (see client-queue.ts).
import type { ServerResponse } from 'node:http';
import type { SseData, SseEnvelope, SseEventType } from '../contracts/api.ts';
import { ClientQueue } from './client-queue.ts';
import { isoMicros } from '../util/time.ts';

export interface BroadcasterOptions {
  queueSize: number;
  overflowLimit: number;
  onDisconnectSlow?: (clientId: number, reason: string) => void;
}

interface Client {
  id: number;
  queue: ClientQueue;
  response: ServerResponse;
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

  constructor(options: BroadcasterOptions) {
    this.#options = options;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  publish<T extends SseEventType>(type: T, data: SseData[T]): void {
    if (this.#clients.size === 0) return;
    const chunk = serializeEvent(type, data);
    for (const client of this.#clients.values()) client.queue.push(chunk);
  }

  /** Takes over a raw HTTP response as an event stream. */
  attach(response: ServerResponse, initial: string[] = []): number {
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
    const client: Client = { id, queue, response };
    this.#clients.set(id, client);
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
  }

  /** Ends every stream (shutdown). */
  closeAll(): void {
    for (const client of [...this.#clients.values()]) {
      this.#remove(client.id);
      client.response.end();
    }
  }
}
