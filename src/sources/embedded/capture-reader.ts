// Reads one embedded source's change table and turns each change into the Kafka records Debezium
// would publish. Feed positions are derived from the change LSN: position = lsn * 4 + k, where k
// numbers the records one change produces (a delete is followed by a tombstone; a primary-key update
// is, as in Debezium, a delete of the old key, its tombstone and a create of the new key). Positions
// are thus unique and strictly increasing, with gaps, as Kafka offsets may be. A change row with an
// `origin_lsn` is a re-publication (Debezium after a connector restart): its records take new
// positions but carry the original change's source position, so they share its order key.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { FeedRecord } from '../../feeds/feed.ts';
import type { TicketRow } from './tickets-schema.ts';
import { embeddedTopic, encodeKey, encodeValue } from './debezium-envelope.ts';

export const RECORDS_PER_LSN = 4;

interface ChangeRow {
  lsn: number;
  op: 'c' | 'u' | 'd';
  before: string | null;
  after: string | null;
  commit_ts: string;
  origin_lsn: number | null;
}

export class CaptureReader {
  readonly source: string;
  readonly stream: string;
  readonly #db: DatabaseSync;
  readonly #select: StatementSync;
  readonly #bounds: StatementSync;
  readonly #countFrom: StatementSync;

  constructor(db: DatabaseSync, source: string) {
    this.#db = db;
    this.source = source;
    this.stream = embeddedTopic(source);
    this.#select = db.prepare('SELECT lsn, op, before, after, commit_ts, origin_lsn FROM cdc_changes WHERE lsn >= ? ORDER BY lsn LIMIT ?');
    this.#bounds = db.prepare(
      "SELECT (SELECT min(lsn) FROM cdc_changes) AS min_lsn, (SELECT seq FROM sqlite_sequence WHERE name = 'cdc_changes') AS last_lsn",
    );
    this.#countFrom = db.prepare('SELECT count(*) AS n FROM cdc_changes WHERE lsn >= ?');
  }

  /** Records with position >= next, at most `max` of them, in order. */
  read(next: number, max: number): FeedRecord[] {
    const firstLsn = Math.floor(next / RECORDS_PER_LSN);
    const rows = this.#select.all(firstLsn, Math.max(1, max)) as unknown as ChangeRow[];
    const out: FeedRecord[] = [];
    for (const row of rows) {
      for (const record of this.#toRecords(row)) {
        if (record.position >= next) out.push(record);
      }
      if (out.length >= max) break;
    }
    return out;
  }

  /** The lowest position still readable and the position after the newest change. */
  bounds(): { low: number; end: number } {
    const row = this.#bounds.get() as { min_lsn: number | null; last_lsn: number | null };
    const end = ((row.last_lsn ?? 0) + 1) * RECORDS_PER_LSN;
    const low = row.min_lsn === null ? end : row.min_lsn * RECORDS_PER_LSN;
    return { low, end };
  }

  /** Changes not yet read from `next` (a count of change rows, as Kafka lag counts records). */
  pending(next: number): number {
    return Number((this.#countFrom.get(Math.ceil(next / RECORDS_PER_LSN)) as { n: number }).n);
  }

  /** Removes change rows every consumer has committed past. */
  purgeBefore(next: number): number {
    const lsn = Math.floor(next / RECORDS_PER_LSN);
    return Number(this.#db.prepare('DELETE FROM cdc_changes WHERE lsn < ?').run(lsn).changes);
  }

  #toRecords(row: ChangeRow): FeedRecord[] {
    const base = row.lsn * RECORDS_PER_LSN;
    const commitTsMs = Date.parse(row.commit_ts);
    const before = row.before === null ? null : (JSON.parse(row.before) as TicketRow);
    const after = row.after === null ? null : (JSON.parse(row.after) as TicketRow);
    const timestamp = commitTsMs;
    const make = (k: number, key: number, value: Buffer | null): FeedRecord => ({
      stream: this.stream,
      partition: 0,
      position: base + k,
      key: encodeKey(this.source, key),
      value,
      timestamp,
    });
    const sourceLsn = row.origin_lsn ?? row.lsn;
    const envelope = (k: number, op: 'c' | 'u' | 'd', b: TicketRow | null, a: TicketRow | null, serial: number) =>
      encodeValue({ source: this.source, op, before: b, after: a, position: sourceLsn * RECORDS_PER_LSN + k, lsn: sourceLsn, eventSerialNo: serial, commitTsMs });

    if (row.op === 'c' && after) return [make(0, after.TicketID, envelope(0, 'c', null, after, 1))];
    if (row.op === 'd' && before) {
      return [make(0, before.TicketID, envelope(0, 'd', before, null, 1)), make(1, before.TicketID, null)];
    }
    if (row.op === 'u' && before && after) {
      if (before.TicketID === after.TicketID) return [make(0, after.TicketID, envelope(0, 'u', before, after, 2))];
      return [
        make(0, before.TicketID, envelope(0, 'd', before, null, 1)),
        make(1, before.TicketID, null),
        make(2, after.TicketID, envelope(2, 'c', null, after, 2)),
      ];
    }
    return [];
  }
}
