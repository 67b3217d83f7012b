// Opens (and on first use creates) one embedded source database: a node:sqlite file in WAL mode so
// that a separate generator process can write while the service captures. Opening for writing
// creates the built-in tables (Tickets, Customers, Agents) and captures them; older files gain
// what capture.ts needs (schema ids, origin LSNs, the per-table index) and current triggers.
import { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TICKETS_DDL } from './tickets-schema.ts';
import { AGENTS, CUSTOMERS, TICKETS } from './table-defs.ts';
import { ensureCaptured, migrateCapture } from './capture.ts';
import { ShoriError } from '../../errors.ts';

export function sourceDbPath(dataDir: string, source: string): string {
  return join(dataDir, 'sources', `${source}.db`);
}

export function openSourceDb(dataDir: string, source: string, options: { readOnly?: boolean } = {}): DatabaseSync {
  const path = sourceDbPath(dataDir, source);
  try {
    if (!options.readOnly) mkdirSync(join(dataDir, 'sources'), { recursive: true });
    const db = new DatabaseSync(path, { readOnly: options.readOnly ?? false, timeout: 5000 });
    if (!options.readOnly) {
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
      db.exec(TICKETS_DDL);
      db.exec(CUSTOMERS.ddl);
      db.exec(AGENTS.ddl);
      migrateCapture(db);
      for (const def of [TICKETS, CUSTOMERS, AGENTS]) ensureCaptured(db, def);
    }
    return db;
  } catch (cause) {
    throw new ShoriError('SHORI_SOURCE_FAILED', `cannot open embedded source ${source} at ${path}`, { cause, context: { source, path } });
  }
}
