// The embedded sources seen from a test: the capture held (nothing purged, so every record the feed
// ever delivered can be read again as the expected set), those expected records, and Debezium-style
// re-publication of an older change (a new position, the original order key).
import { DatabaseSync } from 'node:sqlite';
import { openSourceDb, sourceDbPath } from '../../src/sources/embedded/source-db.ts';
import { CaptureReader } from '../../src/sources/embedded/capture-reader.ts';
import { embeddedTopic } from '../../src/sources/embedded/debezium-envelope.ts';
import { BUILTIN_TABLES } from '../../src/sources/embedded/table-defs.ts';
import type { FeedRecord } from '../../src/feeds/feed.ts';

/** A subscriber group that never commits: the embedded feed purges nothing below it. */
export const HOLD_GROUP = 'test-capture-hold';

/** Creates the sources (if needed) and registers the holding group at position 0 on every built-in table's stream. */
export function holdCapture(dataDir: string, sources: string[]): void {
  for (const source of sources) {
    const db = openSourceDb(dataDir, source);
    try {
      const hold = db.prepare('INSERT OR REPLACE INTO cdc_offsets (grp, stream, next, updated_at) VALUES (?, ?, 0, ?)');
      for (const table of BUILTIN_TABLES) hold.run(HOLD_GROUP, embeddedTopic(source, table.name), new Date().toISOString());
    } finally {
      db.close();
    }
  }
}

/** Every record the embedded feed has published for `source`, every table, in order (needs `holdCapture`). */
export function capturedRecords(dataDir: string, source: string): FeedRecord[] {
  const db = openSourceDb(dataDir, source, { readOnly: true });
  try {
    const tables = (db.prepare('SELECT DISTINCT tbl FROM cdc_changes ORDER BY tbl').all() as Array<{ tbl: string }>).map((r) => r.tbl);
    const purged = db.prepare('SELECT count(*) AS n FROM cdc_purged').get() as { n: number };
    if (Number(purged.n) > 0) throw new Error(`the capture of ${source} was purged: call holdCapture before the service first runs`);
    return tables.flatMap((table) => new CaptureReader(db, source, table).read(0, Number.MAX_SAFE_INTEGER));
  } finally {
    db.close();
  }
}

export interface Republished {
  source: string;
  ticketId: number;
  originLsn: number;
  lsn: number;
}

/**
 * Publishes again the newest create of a ticket that no longer exists at the source (deleted since),
 * as Debezium does after a connector restart: a new position, the original order key. Undefined
 * when no deleted ticket has a create left to re-publish. `pick` chooses among the candidates.
 */
export function republishDeletedCreate(dataDir: string, source: string, pick: (n: number) => number = () => 0): Republished | undefined {
  const db = new DatabaseSync(sourceDbPath(dataDir, source), { timeout: 5000 });
  try {
    const candidates = db
      .prepare(
        `
      SELECT max(c.lsn) AS lsn, json_extract(c.after, '$.TicketID') AS id FROM cdc_changes c
      WHERE c.tbl = 'Tickets' AND c.op = 'c' AND c.origin_lsn IS NULL AND json_extract(c.after, '$.TicketID') NOT IN (SELECT TicketID FROM Tickets)
      GROUP BY id ORDER BY id`,
      )
      .all() as Array<{ lsn: number; id: number }>;
    if (candidates.length === 0) return undefined;
    const chosen = candidates[pick(candidates.length) % candidates.length];
    const inserted = db
      .prepare(
        'INSERT INTO cdc_changes (op, tbl, before, after, commit_ts, origin_lsn) SELECT op, tbl, before, after, commit_ts, lsn FROM cdc_changes WHERE lsn = ?',
      )
      .run(chosen.lsn);
    return { source, ticketId: Number(chosen.id), originLsn: chosen.lsn, lsn: Number(inserted.lastInsertRowid) };
  } finally {
    db.close();
  }
}
