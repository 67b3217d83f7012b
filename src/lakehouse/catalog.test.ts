// The catalogue lists a Silver table's history only while TABLES_CONFIG keeps it: a history an
// earlier run left in the lake no longer follows Silver once history is off for its table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeltaTable } from '@shori/delta';
import { TableCatalog } from './catalog.ts';
import { localLakeTables } from './medallion/local-lake.ts';
import { TABLE_OPTIONS } from './engine.ts';
import { parseTablesConfig } from '../config/tables-config.ts';

const LIMITS = { queryTimeoutSec: 10, memoryLimit: '256MB' };

async function lakeWith(names: string[]): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'catalog-'));
  const lake = localLakeTables(dataDir);
  const schema = { type: 'struct' as const, fields: [{ name: 'id', type: 'long' as const, nullable: true, metadata: {} }] };
  for (const name of names) await DeltaTable.createIfAbsent(lake.table('silver', name), { schema, name }, TABLE_OPTIONS);
  return dataDir;
}

async function silverNames(dataDir: string, config?: string): Promise<string[]> {
  const tablesConfig = config === undefined ? undefined : parseTablesConfig(config, 'tables.json');
  const catalog = new TableCatalog(dataDir, [], LIMITS, { tables: localLakeTables(dataDir), engineDir: join(dataDir, 'datalake'), tablesConfig });
  return (await catalog.entries()).filter((e) => e.layer === 'silver').map((e) => e.name);
}

test('histories are listed while kept, and not when TABLES_CONFIG turns them off', async () => {
  const dataDir = await lakeWith(['tickets', 'tickets_history', 'agents', 'agents_history', 'events_history']);
  const all = ['tickets', 'tickets_history', 'agents', 'agents_history', 'events_history'];
  assert.deepEqual((await silverNames(dataDir)).sort(), [...all].sort());
  assert.deepEqual((await silverNames(dataDir, '{}')).sort(), [...all].sort());
  // history off everywhere: an append-only table (a history without a Silver table) stays listed
  assert.deepEqual((await silverNames(dataDir, '{"history": false}')).sort(), ['agents', 'events_history', 'tickets']);
  // per table, any case: Agents keeps its history, Tickets does not
  assert.deepEqual((await silverNames(dataDir, '{"history": false, "tables": {"Agents": {"history": true}}}')).sort(), [
    'agents',
    'agents_history',
    'events_history',
    'tickets',
  ]);
  assert.deepEqual((await silverNames(dataDir, '{"tables": {"TICKETS": {"history": false}}}')).sort(), [
    'agents',
    'agents_history',
    'events_history',
    'tickets',
  ]);
});
