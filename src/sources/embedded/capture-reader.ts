// Reads one captured table of an embedded source from its change table and turns each change into
// the Kafka records Debezium would publish on that table's topic. Feed positions are derived from
// the change LSN, which is shared by all tables of the source: position = lsn * 4 + k, where k
// numbers the records one change produces (a delete is followed by a tombstone; a primary-key update
// is, as in Debezium, a delete of the old key, its tombstone and a create of the new key). Positions
// are thus unique and strictly increasing per topic, with gaps, as Kafka offsets may be. Each change
// is published with the schema it was captured under (its `schema_id`; none = Tickets' built-in one,
// for change rows written before schemas were recorded). A change row with an `origin_lsn` is a
// re-publication (Debezium after a connector restart): its records take new positions but carry the
// original change's source position, so they share its order key.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { FeedRecord } from '../../feeds/feed.ts';
import { type CapturedSchema, latestSchema, schemaById } from './capture.ts';
import { type EnvelopeCodec, embeddedTopic, encodeTableKey, encodeTableValue, envelopeCodec } from './debezium-envelope.ts';
import { TICKETS } from './table-defs.ts';

export const RECORDS_PER_LSN = 4;
/** A primary-key update is the longest: delete, tombstone, create. */
const MAX_RECORDS_PER_CHANGE = 3;

type StoredRow = Record<string, string | number | boolean | null>;

interface ChangeRow {
  lsn: number;
  op: 'c' | 'u' | 'd';
  before: string | null;
  after: string | null;
  commit_ts: string;
  schema_id: number | null;
  origin_lsn: number | null;
}

export class CaptureReader {
  readonly source: string;
  readonly table: string;
  readonly stream: string;
  readonly #db: DatabaseSync;
  readonly #select: StatementSync;
  readonly #bounds: StatementSync;
  readonly #countFrom: StatementSync;
  readonly #purgeMax: StatementSync;
  readonly #purge: StatementSync;
  readonly #savePurged: StatementSync;
  readonly #purged: StatementSync;
  readonly #codecs = new Map<number, EnvelopeCodec>();
  /** The newest change parsed and the position after its last record (a change never changes). */
  #lastChange: { lsn: number; end: number } | null = null;

  constructor(db: DatabaseSync, source: string, table = TICKETS.name) {
    this.#db = db;
    this.source = source;
    this.table = table;
    this.stream = embeddedTopic(source, table);
    this.#select = db.prepare(
      'SELECT lsn, op, before, after, commit_ts, schema_id, origin_lsn FROM cdc_changes WHERE tbl = ? AND lsn >= ? ORDER BY lsn LIMIT ?',
    );
    this.#bounds = db.prepare(
      "SELECT (SELECT min(lsn) FROM cdc_changes WHERE tbl = ?) AS min_lsn, (SELECT seq FROM sqlite_sequence WHERE name = 'cdc_changes') AS last_lsn",
    );
    this.#countFrom = db.prepare('SELECT count(*) AS n FROM cdc_changes WHERE tbl = ? AND lsn >= ?');
    this.#purgeMax = db.prepare('SELECT max(lsn) AS m FROM cdc_changes WHERE tbl = ? AND lsn < ?');
    this.#purge = db.prepare('DELETE FROM cdc_changes WHERE tbl = ? AND lsn < ?');
    this.#savePurged = db.prepare(
      'INSERT INTO cdc_purged (tbl, max_lsn) VALUES (?, ?) ON CONFLICT (tbl) DO UPDATE SET max_lsn = max(max_lsn, excluded.max_lsn)',
    );
    this.#purged = db.prepare('SELECT max_lsn FROM cdc_purged WHERE tbl = ?');
  }

  /** Records with position >= next, at most `max` of them, in order. */
  read(next: number, max: number): FeedRecord[] {
    // The first change that can still hold a record at `next`: a change whose records all lie
    // before it is not read again (re-reading, and re-encoding, the last change consumed on every
    // poll made one 5 MB change cost a core for as long as it stayed the newest).
    let firstLsn = Math.max(0, Math.ceil((next - (MAX_RECORDS_PER_CHANGE - 1)) / RECORDS_PER_LSN));
    // The change read last, when `next` is past its records: not even fetched again.
    if (this.#lastChange !== null && this.#lastChange.lsn === firstLsn && next >= this.#lastChange.end) firstLsn++;
    // Only that first change may have nothing left at `next`: one row more keeps `max = 1` moving.
    const rows = this.#select.all(this.table, firstLsn, Math.max(1, max) + 1) as unknown as ChangeRow[];
    const out: FeedRecord[] = [];
    for (const row of rows) {
      out.push(...this.#toRecords(row, next));
      if (out.length >= max) break;
    }
    return out;
  }

  /**
   * The lowest position still readable, the position after the newest change of the source, and
   * the lowest position a reader may resume from without skipping purged changes of this table.
   */
  bounds(): { low: number; end: number; resumable: number } {
    const row = this.#bounds.get(this.table) as { min_lsn: number | null; last_lsn: number | null };
    const end = ((row.last_lsn ?? 0) + 1) * RECORDS_PER_LSN;
    const low = row.min_lsn === null ? end : row.min_lsn * RECORDS_PER_LSN;
    const purged = this.#purged.get(this.table) as { max_lsn: number } | undefined;
    return { low, end, resumable: purged === undefined ? 0 : (Number(purged.max_lsn) + 1) * RECORDS_PER_LSN };
  }

  /** Changes not yet read from `next` (a count of change rows, as Kafka lag counts records). */
  pending(next: number): number {
    return Number((this.#countFrom.get(this.table, Math.ceil(next / RECORDS_PER_LSN)) as { n: number }).n);
  }

  /** Removes this table's change rows every consumer has committed past, remembering the newest. */
  purgeBefore(next: number): number {
    const lsn = Math.floor(next / RECORDS_PER_LSN);
    const newest = (this.#purgeMax.get(this.table, lsn) as { m: number | null }).m;
    if (newest === null) return 0;
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const removed = Number(this.#purge.run(this.table, lsn).changes);
      this.#savePurged.run(this.table, newest);
      this.#db.exec('COMMIT');
      return removed;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #codec(schemaId: number | null): EnvelopeCodec {
    const id = schemaId ?? 0;
    let codec = this.#codecs.get(id);
    if (codec === undefined) {
      // No schema id: a row written before schemas were recorded (Tickets), or copied by hand
      // without it (then the table's current schema).
      const schema: CapturedSchema | null =
        id !== 0
          ? schemaById(this.#db, id)
          : this.table === TICKETS.name
            ? { id: 0, table: TICKETS.name, key: TICKETS.key, columns: TICKETS.columns }
            : latestSchema(this.#db, this.table);
      if (schema === null) throw new Error(`change of ${this.table} names schema ${id}, which cdc_schemas does not hold`);
      codec = envelopeCodec(this.source, schema);
      this.#codecs.set(id, codec);
    }
    return codec;
  }

  /** The records of one change whose positions are at least `next`; only those are encoded. */
  #toRecords(row: ChangeRow, next: number): FeedRecord[] {
    const base = row.lsn * RECORDS_PER_LSN;
    // Cheap skips before parsing: a create is one record, a delete two.
    if (next > base + MAX_RECORDS_PER_CHANGE - 1 || (row.op === 'c' && next > base) || (row.op === 'd' && next > base + 1)) return [];
    const codec = this.#codec(row.schema_id);
    const commitTsMs = Date.parse(row.commit_ts);
    const before = row.before === null ? null : (JSON.parse(row.before) as StoredRow);
    const after = row.after === null ? null : (JSON.parse(row.after) as StoredRow);
    // A table without a primary key: Debezium publishes its changes without a key, and its tombstone
    // after a delete with neither key nor value.
    const keyless = codec.key.length === 0;
    const sourceLsn = row.origin_lsn ?? row.lsn;
    type Op = 'c' | 'u' | 'd' | 't';
    // k, the row the key comes from (none: no key), and the value's op (none: a tombstone).
    type Spec = [k: number, keyRow: StoredRow | null, op: Op | null, b: StoredRow | null, a: StoredRow | null, serial: number];
    const specs: Spec[] = [];
    // A truncate (capture.ts truncateTable): one record without a key, as Debezium publishes it.
    if (row.op === 'd' && !before && !after) specs.push([0, null, 't', null, null, 1]);
    else if (row.op === 'c' && after) specs.push([0, after, 'c', null, after, 1]);
    else if (row.op === 'd' && before) specs.push([0, before, 'd', before, null, 1], [1, before, null, null, null, 0]);
    else if (row.op === 'u' && before && after) {
      if (codec.key.every((k) => before[k] === after[k])) specs.push([0, after, 'u', before, after, 2]);
      else specs.push([0, before, 'd', before, null, 1], [1, before, null, null, null, 0], [2, after, 'c', null, after, 2]);
    }
    if (this.#lastChange === null || row.lsn >= this.#lastChange.lsn) this.#lastChange = { lsn: row.lsn, end: base + (specs.at(-1)?.[0] ?? -1) + 1 };
    const out: FeedRecord[] = [];
    for (const [k, keyRow, op, b, a, serial] of specs) {
      if (base + k < next) continue;
      out.push({
        stream: this.stream,
        partition: 0,
        position: base + k,
        key: keyless || keyRow === null ? null : encodeTableKey(codec, keyRow),
        value:
          op === null
            ? null
            : encodeTableValue({
                codec,
                source: this.source,
                op,
                before: b,
                after: a,
                position: sourceLsn * RECORDS_PER_LSN + k,
                lsn: sourceLsn,
                eventSerialNo: serial,
                commitTsMs,
              }),
        timestamp: commitTsMs,
      });
    }
    return out;
  }
}
