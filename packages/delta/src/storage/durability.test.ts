// Power-loss durability of the local storage, observed through its injectable fsync: a commit is
// attempted only once every file it references (data and `_change_data/` files) is fsynced with its
// folder, and once each folder made for them since the previous commit is fsynced in its parent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DeltaTable } from '../table.ts';
import { duck, tempDir } from '../test-support/fixtures.ts';
import { LocalStorage, fsyncPath } from './local-storage.ts';

const COMMIT = /^_delta_log\/(\d{20})\.json$/;

/** Local storage that logs each fsync and each commit attempt, in order. */
class Watched extends LocalStorage {
  readonly events: string[];
  constructor(root: string, events: string[]) {
    super(root, { fsync: async (p) => { await fsyncPath(p); events.push(`sync ${p}`); } });
    this.events = events;
  }
  override async putIfAbsent(p: string, data: Uint8Array | string): Promise<boolean> {
    const version = COMMIT.exec(p)?.[1];
    if (version !== undefined) this.events.push(`attempt ${Number(version)}`);
    return super.putIfAbsent(p, data);
  }
  override async put(p: string, data: Uint8Array | string): Promise<void> {
    await super.put(p, data);
    this.events.push(`put ${p}`);
  }
}

/** Paths (table-relative, decoded) of the add and cdc actions of commit `version`. */
async function referenced(storage: LocalStorage, version: number): Promise<string[]> {
  const body = Buffer.from((await storage.get(`_delta_log/${String(version).padStart(20, '0')}.json`))!).toString('utf8');
  return body.trim().split('\n').map((l) => JSON.parse(l) as { add?: { path: string }; cdc?: { path: string } })
    .flatMap((a) => [a.add?.path, a.cdc?.path]).filter((p): p is string => p !== undefined).map(decodeURIComponent);
}

test('every file a commit references, its folder and each new folder\'s parent are fsynced before the commit is attempted', async (t) => {
  const root = await tempDir(t);
  const conn = await duck(t);
  const events: string[] = [];
  const storage = new Watched(root, events);
  const schema = { type: 'struct' as const, fields: [
    { name: 'id', type: 'long' as const, nullable: false },
    { name: 'p', type: 'string' as const, nullable: true },
    { name: 'v', type: 'string' as const, nullable: true },
  ] };
  const table = await DeltaTable.createIfAbsent(storage, { schema, partitionColumns: ['p'], properties: { 'delta.enableChangeDataFeed': 'true' } });
  await table.append(conn, "SELECT * FROM (VALUES (1, 'a', 'x'), (2, 'b', 'y')) AS s(id, p, v)");
  // A merge: rewrites p=a, adds the new folder p=c, and writes change data (a new `_change_data/`).
  await table.merge(conn, {
    sourceSql: "SELECT * FROM (VALUES (1, 'a', 'x2'), (3, 'c', 'z')) AS s(id, p, v)",
    on: ['id'],
    whenMatched: [{ action: 'update' }],
    whenNotMatched: [{ action: 'insert' }],
  });
  const latest = (await table.refresh()).version;
  assert.equal(latest, 2);

  const seenFolders = new Set<string>([root]);
  let checked = 0;
  for (let v = 1; v <= latest; v++) {
    const attempt = events.indexOf(`attempt ${v}`);
    const window = events.slice(events.indexOf(`attempt ${v - 1}`) + 1, attempt);
    const files = await referenced(storage, v);
    assert.ok(files.length > 0, `commit ${v} references files`);
    for (const file of files) {
      const abs = path.join(root, file);
      assert.ok(window.includes(`sync ${abs}`), `commit ${v}: ${file} fsynced before the commit is attempted`);
      assert.ok(window.includes(`sync ${path.dirname(abs)}`), `commit ${v}: the folder of ${file} fsynced before the commit`);
      // Folders first used by this commit were made for it: their names are durable in their parents.
      for (let dir = path.dirname(abs); !seenFolders.has(dir); dir = path.dirname(dir)) {
        assert.ok(window.includes(`sync ${path.dirname(dir)}`), `commit ${v}: new folder ${path.relative(root, dir)} fsynced in its parent`);
        seenFolders.add(dir);
      }
      checked++;
    }
  }
  const changeData = (await referenced(storage, 2)).filter((f) => f.startsWith('_change_data/'));
  assert.ok(changeData.length > 0, 'the merge wrote change data files');
  assert.ok(seenFolders.has(path.join(root, 'p=c')), 'the merge made a new partition folder');
  assert.ok(checked >= 5, `checked ${checked} files`);

  // A commit that returned is durable: its log folder is fsynced right after the link.
  for (let v = 0; v <= latest; v++) assert.equal(events[events.indexOf(`attempt ${v}`) + 1], `sync ${path.join(root, '_delta_log')}`, `commit ${v}`);

  // Checkpoints and _last_checkpoint (put): renamed from a flushed temp file, then the folder fsynced.
  events.length = 0;
  await table.checkpoint();
  const log = path.join(root, '_delta_log');
  const puts = events.filter((e) => e.startsWith('put '));
  assert.deepEqual(puts.map((e) => e.slice(4)).filter((p) => !p.includes('.tmp')), ['_delta_log/00000000000000000002.checkpoint.parquet', '_delta_log/_last_checkpoint']);
  for (const put of puts) assert.equal(events[events.indexOf(put) - 1], `sync ${log}`, `${put}: folder fsynced before put returned`);
});
