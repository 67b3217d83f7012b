// One SSE client's bounded outbox. A slow client must never slow the pipeline or the other clients:
// when its queue is full the oldest message is dropped (and counted), and a client that overflows
// too often is disconnected.

export interface ClientQueueOptions {
  capacity: number;
  overflowLimit: number;
  /** Writes one serialized message; returns false when the socket wants a 'drain' first. */
  write: (chunk: string) => boolean;
  /** Called once when the client must be cut off (overflow limit reached). */
  disconnect: (reason: string) => void;
  onDrop: () => void;
}

export class ClientQueue {
  readonly #options: ClientQueueOptions;
  // A ring buffer: push and drop-oldest are O(1).
  readonly #items: Array<string | undefined>;
  #head = 0;
  #size = 0;
  #blocked = false;
  #closed = false;
  overflows = 0;
  dropped = 0;
  sent = 0;

  constructor(options: ClientQueueOptions) {
    this.#options = options;
    this.#items = new Array(options.capacity);
  }

  get size(): number {
    return this.#size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  push(chunk: string): void {
    if (this.#closed) return;
    if (this.#size === this.#items.length) {
      this.#items[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.#items.length;
      this.#size--;
      this.dropped++;
      this.overflows++;
      this.#options.onDrop();
      if (this.overflows >= this.#options.overflowLimit) {
        this.close();
        this.#options.disconnect(`overflowed its queue of ${this.#items.length} messages ${this.overflows} times`);
        return;
      }
    }
    this.#items[(this.#head + this.#size) % this.#items.length] = chunk;
    this.#size++;
    this.flush();
  }

  /** Writes queued messages until the socket pushes back; resumed by the socket's 'drain'. */
  flush(): void {
    if (this.#blocked && this.#size > 0) return;
    this.#blocked = false;
    while (this.#size > 0 && !this.#closed) {
      const chunk = this.#items[this.#head]!;
      this.#items[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.#items.length;
      this.#size--;
      this.sent++;
      if (!this.#options.write(chunk)) {
        this.#blocked = true;
        return;
      }
    }
  }

  /** The socket drained: write what waited. */
  drained(): void {
    this.#blocked = false;
    this.flush();
  }

  close(): void {
    this.#closed = true;
    this.#items.fill(undefined);
    this.#size = 0;
  }
}
