// Power-loss durability of the local storage, observed through its injectable fsync: a commit is
// attempted only once every file it references (data, `_change_data/` and deletion vector files) is
// fsynced with its folder, and once each folder made for them since the previous commit is fsynced
// in its parent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DeltaTable } from '../table.ts';
import { duck, tempDir } from '../test-support/fixtures.ts';
import { LocalStorage, fsyncPath } from './local-storage.ts';

const COMMIT = /^_delta_log\/(\d{20})\.json$/;

/** Local storage that logs each fsync and each commit attempt, in order. */
class Watched extends LocalStorage {
  readonly events: string[];
  constructor(root: string, events: string[]) {
    super(root, {
      fsync: async (p) => {
        await fsyncPath(p);
        events.push(`sync ${p}`);
      },
    });
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
  return body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { add?: { path: string }; cdc?: { path: string } })
    .flatMap((a) => [a.add?.path, a.cdc?.path])
    .filter((p): p is string => p !== undefined)
    .map(decodeURIComponent);
}

test("every file a commit references, its folder and each new folder's parent are fsynced before the commit is attempted", async (t) => {
  const root = await tempDir(t);
  const conn = await duck(t);
  const events: string[] = [];
  const storage = new Watched(root, events);
  const schema = {
    type: 'struct' as const,
    fields: [
      { name: 'id', type: 'long' as const, nullable: false },
      { name: 'p', type: 'string' as const, nullable: true },
      { name: 'v', type: 'string' as const, nullable: true },
    ],
  };
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

  // A commit that returned is durable: its temp file fsynced before the link, the log folder right after.
  for (let v = 0; v <= latest; v++) {
    const at = events.indexOf(`attempt ${v}`);
    assert.ok(
      events[at + 1].startsWith(`sync ${path.join(root, '_delta_log', `.${String(v).padStart(20, '0')}.json.`)}`) && events[at + 1].endsWith('.tmp'),
      `commit ${v}: ${events[at + 1]}`,
    );
    assert.equal(events[at + 2], `sync ${path.join(root, '_delta_log')}`, `commit ${v}`);
  }

  // Checkpoints and _last_checkpoint (put): renamed from a flushed temp file, then the folder fsynced.
  events.length = 0;
  await table.checkpoint();
  const log = path.join(root, '_delta_log');
  const puts = events.filter((e) => e.startsWith('put '));
  assert.deepEqual(
    puts.map((e) => e.slice(4)).filter((p) => !p.includes('.tmp')),
    ['_delta_log/00000000000000000002.checkpoint.parquet', '_delta_log/_last_checkpoint'],
  );
  for (const put of puts) {
    const at = events.indexOf(put);
    assert.ok(
      events[at - 2].startsWith(`sync ${path.join(root, put.slice(4))}.`) && events[at - 2].endsWith('.tmp'),
      `${put}: content fsynced before the rename`,
    );
    assert.equal(events[at - 1], `sync ${log}`, `${put}: folder fsynced before put returned`);
  }
});

test('a deletion vector file is fsynced (its temp file, then its folder after the rename) before the commit that uses it', async (t) => {
  const root = await tempDir(t);
  const conn = await duck(t);
  const events: string[] = [];
  const storage = new Watched(root, events);
  const schema = {
    type: 'struct' as const,
    fields: [
      { name: 'id', type: 'long' as const, nullable: false },
      { name: 'v', type: 'string' as const, nullable: true },
    ],
  };
  const table = await DeltaTable.createIfAbsent(storage, { schema, properties: { 'delta.enableDeletionVectors': 'true' } });
  await table.append(conn, "SELECT i AS id, 'x' AS v FROM range(100) AS r(i)");
  await table.delete(conn, 'id < 10');
  const version = (await table.refresh()).version;
  const vectors = (await readdir(root)).filter((f) => f.startsWith('deletion_vector_') && f.endsWith('.bin'));
  assert.equal(vectors.length, 1, 'the delete wrote a deletion vector file');
  const put = events.indexOf(`put ${vectors[0]}`);
  const abs = path.join(root, vectors[0]);
  assert.ok(put > 0 && put < events.indexOf(`attempt ${version}`), 'written before its commit is attempted');
  assert.match(events[put - 2], new RegExp(`^sync ${abs.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\..+\\.tmp$`), 'its content fsynced (as the temp file)');
  assert.equal(events[put - 1], `sync ${root}`, 'its folder fsynced after the rename');
});
