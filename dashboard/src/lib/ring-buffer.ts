// A fixed-capacity ring buffer: the live charts and the raw feed keep the newest N items only, so a
// dashboard left open for a day uses the same memory as one opened a minute ago.

export class RingBuffer<T> {
  readonly capacity: number;
  #items: T[];
  #start = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#items = new Array<T>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Appends an item; when full, the oldest one is dropped and returned. */
  push(item: T): T | undefined {
    if (this.#size < this.capacity) {
      this.#items[(this.#start + this.#size) % this.capacity] = item;
      this.#size++;
      return undefined;
    }
    const dropped = this.#items[this.#start];
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % this.capacity;
    return dropped;
  }

  /** The newest item, or undefined when empty. */
  last(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[(this.#start + this.#size - 1) % this.capacity];
  }

  /** Oldest first. */
  toArray(): T[] {
    const out = new Array<T>(this.#size);
    for (let i = 0; i < this.#size; i++) out[i] = this.#items[(this.#start + i) % this.capacity];
    return out;
  }

  clear(): void {
    this.#items = new Array<T>(this.capacity);
    this.#start = 0;
    this.#size = 0;
  }
}
