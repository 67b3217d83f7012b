// The events-per-second series behind the live chart. Points are (server time, rate) pairs from
// cdc_stats messages. When the page loses its connection, a null point is inserted at the start of
// the gap so the chart shows a break there: the page never draws a line through time it did not see.
import { RingBuffer } from './ring-buffer.ts';

export interface RatePoint {
  /** Seconds since the epoch (uPlot's x unit). */
  t: number;
  /** Events per second, or null for a gap marker. */
  v: number | null;
}

export class RateSeries {
  #points: RingBuffer<RatePoint>;

  constructor(capacity = 300) {
    this.#points = new RingBuffer<RatePoint>(capacity);
  }

  /** Adds a measured point. Points older than the newest are ignored (a replayed or reordered message). */
  add(tSec: number, value: number): boolean {
    const last = this.#points.last();
    if (last && tSec <= last.t) return false;
    this.#points.push({ t: tSec, v: value });
    return true;
  }

  /** Marks a gap just after the newest point (no-op when empty or already marked). */
  markGap(): void {
    const last = this.#points.last();
    if (!last || last.v === null) return;
    // A hair after the last point: uPlot needs strictly increasing x; the next real point is later.
    this.#points.push({ t: last.t + 0.001, v: null });
  }

  get size(): number {
    return this.#points.size;
  }

  /** Column arrays as uPlot wants them: [xs, ys]. */
  columns(): [number[], Array<number | null>] {
    const pts = this.#points.toArray();
    return [pts.map((p) => p.t), pts.map((p) => p.v)];
  }
}
