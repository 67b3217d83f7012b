// Gold SQL may read the snapshots it is given and nothing else: a file that reads another file,
// writes one, changes a setting or runs more than one statement fails at refresh with its name and
// the reason, and nothing is written; the built-in Gold tables still compute in the sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Medallion } from './medallion.ts';
import { BUILTIN_GOLD_DIR, GoldRefresher, loadGoldDefinitions } from './gold.ts';
import { GoldSandbox } from './gold-sandbox.ts';
import { DeltaTable } from '@shori/delta';
import { isShoriError } from '../../errors.ts';
import { ticketRecords } from '../../../test/helpers/http-context.ts';

async function withLake(fn: (m: Medallion, dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gold-sbx-'));
  const m = await Medallion.open(dataDir);
  try {
    await m.writeBatch(ticketRecords('shorisql_1', 5));
    await fn(m, dataDir);
  } finally {
    await m.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const sources = (m: Medallion) => ({ 'silver.tickets': m.silver, 'silver.tickets_history': m.history, 'bronze.cdc_events': m.bronze });

test('built-in Gold tables compute inside the sandbox, with their Delta types', async () => {
  await withLake(async (m, dataDir) => {
    const gold = new GoldRefresher(dataDir, loadGoldDefinitions([BUILTIN_GOLD_DIR]));
    assert.equal(await gold.refresh(m.conn, sources(m)), true);
    gold.close();
    const byStatus = await DeltaTable.open(join(dataDir, 'datalake/gold/tickets_by_status'));
    const rows = (await m.conn.runAndReadAll(`SELECT * FROM ${byStatus.scanSql()} t`)).getRowObjectsJson();
    assert.equal(
      rows.reduce((n, r) => n + Number(Object.values(r).find((v) => /^\d+$/.test(String(v)))), 0),
      5,
    );
  });
});

test('a Gold file reaching outside its snapshots fails at refresh, naming the file; nothing escapes', async (t) => {
  const secret = join(mkdtempSync(join(tmpdir(), 'gold-secret-')), 'secret.csv');
  writeFileSync(secret, 'password\nhunter2\n');
  const escaped = join(tmpdir(), `gold-escape-${process.pid}.csv`);
  const cases: Array<[string, string, RegExp]> = [
    ['reads_a_file', `SELECT * FROM read_csv('${secret}')`, /reaches outside the snapshots.*Cannot access file/],
    ['reads_etc', `SELECT content FROM read_text('/etc/hostname')`, /reaches outside the snapshots/],
    ['globs', `SELECT * FROM glob('/etc/*')`, /reaches outside the snapshots/],
    ['attaches', `SELECT count(*) AS n FROM {{silver.tickets}}; ATTACH '${secret}.db'`, /must be exactly one SELECT statement; it has 2/],
    ['writes', `COPY (SELECT 1 AS a) TO '${escaped}'`, /must be a SELECT statement|reaches outside the snapshots/],
    ['writes_in_select', `SELECT count(*) AS n FROM {{silver.tickets}}; COPY (SELECT 1 AS a) TO '${escaped}'`, /exactly one SELECT statement/],
    ['unlocks', `SELECT current_setting('enable_external_access') AS v; SET enable_external_access = true`, /exactly one SELECT/],
    ['installs', `SELECT * FROM read_json('https://example.com/x.json')`, /reaches outside the snapshots/],
    // Inside the lake, but not a table it is given: the embedded sources, the tombstones.
    ['reads_sources', `SELECT count(*) AS n FROM read_blob('{{data}}/sources/*')`, /reaches outside the snapshots/],
    ['reads_tombstones', `SELECT count(*) AS n FROM read_parquet('{{data}}/datalake/silver/_tickets_tombstones/*.parquet')`, /reaches outside the snapshots/],
  ];
  await withLake(async (m, dataDir) => {
    for (const [name, sql, expected] of cases) {
      const sqlDir = mkdtempSync(join(tmpdir(), 'gold-sbx-sql-'));
      writeFileSync(join(sqlDir, `${name}.sql`), sql.replaceAll('{{data}}', dataDir));
      const gold = new GoldRefresher(dataDir, loadGoldDefinitions([sqlDir]));
      t.after(() => gold.close());
      await assert.rejects(gold.refresh(m.conn, sources(m)), (e: unknown) => {
        assert.ok(isShoriError(e, 'SHORI_LAKEHOUSE_FAILED'), String(e));
        assert.match(e.message, expected, name);
        assert.ok(e.message.includes(`${name}.sql`), `${name}: the file is named`);
        assert.equal(e.fatal, false);
        return true;
      });
      assert.equal(existsSync(join(dataDir, 'datalake/gold', name)), false, `${name}: no Gold table written`);
      rmSync(sqlDir, { recursive: true, force: true });
    }
  });
  assert.equal(existsSync(escaped), false, 'nothing was written outside');
  assert.equal(readFileSync(secret, 'utf8'), 'password\nhunter2\n');
});

test('at start-up, a Gold file that is not exactly one statement is refused with its name', async () => {
  await GoldSandbox.checkDefinitions(loadGoldDefinitions([BUILTIN_GOLD_DIR]));
  const dir = mkdtempSync(join(tmpdir(), 'gold-sbx-start-'));
  try {
    writeFileSync(join(dir, 'two.sql'), "SELECT count(*) AS n FROM {{silver.tickets}}; COPY (SELECT 1) TO '/tmp/x.csv'");
    await assert.rejects(
      GoldSandbox.checkDefinitions(loadGoldDefinitions([dir])),
      (e: unknown) => isShoriError(e, 'SHORI_CONFIG_INVALID') && /two\.sql must be exactly one SELECT statement; it has 2/.test(e.message),
    );
    writeFileSync(join(dir, 'two.sql'), 'SELEC nonsense FROM');
    await assert.rejects(
      GoldSandbox.checkDefinitions(loadGoldDefinitions([dir])),
      (e: unknown) => isShoriError(e, 'SHORI_CONFIG_INVALID') && /two\.sql: .*Parser Error: syntax error at or near "SELEC"/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
