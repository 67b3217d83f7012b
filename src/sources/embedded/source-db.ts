// Opens (and on first use creates) one embedded source database: a node:sqlite file in WAL mode so
// that a separate generator process can write while the service captures.
import { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TICKETS_DDL } from './tickets-schema.ts';
import { ShoriError } from '../../errors.ts';

export function sourceDbPath(dataDir: string, source: string): string {
  return join(dataDir, 'sources', `${source}.db`);
}

/** Sources created before `cdc_changes.origin_lsn` existed get the column (NULL: not re-published). */
function addOriginLsn(db: DatabaseSync): void {
  const columns = db.prepare('SELECT name FROM pragma_table_info(?)').all('cdc_changes') as Array<{ name: string }>;
  if (columns.some((c) => c.name === 'origin_lsn')) return;
  try {
    db.exec('ALTER TABLE cdc_changes ADD COLUMN origin_lsn INTEGER');
  } catch (error) {
    // Another process (the generator, the service) added it in between.
    if (!/duplicate column/i.test(String(error))) throw error;
  }
}

export function openSourceDb(dataDir: string, source: string, options: { readOnly?: boolean } = {}): DatabaseSync {
  const path = sourceDbPath(dataDir, source);
  try {
    if (!options.readOnly) mkdirSync(join(dataDir, 'sources'), { recursive: true });
    const db = new DatabaseSync(path, { readOnly: options.readOnly ?? false, timeout: 5000 });
    if (!options.readOnly) {
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
      db.exec(TICKETS_DDL);
      addOriginLsn(db);
    }
    return db;
  } catch (cause) {
    throw new ShoriError('SHORI_SOURCE_FAILED', `cannot open embedded source ${source} at ${path}`, { cause, context: { source, path } });
  }
}
