// Recognises change events Debezium sends again. After a Connect worker crash, Debezium resumes from
// its last committed source offset and re-publishes events already on the topic, at new Kafka
// offsets: the Delta txn (which is about Kafka offsets) cannot see them. Within one topic partition
// Debezium publishes in source order, so the order key `seq` never goes backwards except on such a
// replay: an event whose seq is below the partition's high-water mark, or equal to it for an
// (op, key) already seen at that seq, is a duplicate. A tombstone following a duplicate delete is one
// too. The high-water mark is derived from Bronze when a partition is first seen (or reassigned), so
// it survives restarts and moves between instances with the partition.
import type { FeedRecord } from '../../feeds/feed.ts';
import type { DecodeResult } from '../../sources/debezium/types.ts';

export interface HighWaterMark {
  seq: string;
  /** `${op}|${raw key}` of the events at exactly `seq` (a primary-key update shares one seq). */
  ids: Set<string>;
}

export type HighWaterLoader = (stream: string, partition: number) => Promise<HighWaterMark | null>;

interface PartitionState {
  mark: HighWaterMark | null;
  /** The key of the last record dropped as a duplicate delete: its tombstone follows. */
  lastDuplicateKey: string | null;
}

export interface GuardPlan {
  /** Per record: true = new, false = a redelivered duplicate. */
  isNew: boolean[];
  duplicates: number;
  /** Makes the plan's marks current; call only once the batch is durably committed. */
  commit: () => void;
}

const partitionKey = (stream: string, partition: number) => `${stream}/${partition}`;

export class RedeliveryGuard {
  readonly #load: HighWaterLoader;
  readonly #state = new Map<string, PartitionState>();

  constructor(load: HighWaterLoader) {
    this.#load = load;
  }

  /** Forgets partitions (reassigned: another instance may have written them meanwhile). */
  forget(partitions: Array<{ stream: string; partition: number }>): void {
    for (const p of partitions) this.#state.delete(partitionKey(p.stream, p.partition));
  }

  async plan(records: FeedRecord[], decoded: DecodeResult[]): Promise<GuardPlan> {
    // Work on copies: a batch that fails must leave the marks as they were.
    const working = new Map<string, PartitionState>();
    const stateOf = async (r: FeedRecord): Promise<PartitionState> => {
      const key = partitionKey(r.stream, r.partition);
      let s = working.get(key);
      if (!s) {
        let base = this.#state.get(key);
        if (!base) {
          base = { mark: await this.#load(r.stream, r.partition), lastDuplicateKey: null };
          this.#state.set(key, base);
        }
        s = { mark: base.mark ? { seq: base.mark.seq, ids: new Set(base.mark.ids) } : null, lastDuplicateKey: base.lastDuplicateKey };
        working.set(key, s);
      }
      return s;
    };
    const isNew: boolean[] = [];
    let duplicates = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const d = decoded[i];
      const rawKey = r.key === null ? '' : r.key.toString('utf8');
      const s = await stateOf(r);
      let fresh = true;
      if (r.value === null) {
        fresh = s.lastDuplicateKey !== rawKey;
        s.lastDuplicateKey = null;
      } else if (d.ok && d.value.kind === 'change') {
        const id = `${d.value.op}|${rawKey}`;
        const seq = d.value.seq;
        if (s.mark && (seq < s.mark.seq || (seq === s.mark.seq && s.mark.ids.has(id)))) fresh = false;
        else if (!s.mark || seq > s.mark.seq) s.mark = { seq, ids: new Set([id]) };
        else s.mark.ids.add(id);
        s.lastDuplicateKey = fresh ? null : rawKey;
      }
      isNew.push(fresh);
      if (!fresh) duplicates++;
    }
    return {
      isNew,
      duplicates,
      commit: () => {
        for (const [key, s] of working) this.#state.set(key, s);
      },
    };
  }
}
