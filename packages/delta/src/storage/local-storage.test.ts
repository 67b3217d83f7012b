import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeltaError } from '../errors.ts';
import { tempDir } from '../test-support/fixtures.ts';
import { LocalStorage } from './local-storage.ts';
import { resolveDataFile } from './paths.ts';

async function file(root: string, rel: string, data: string, mtime?: Date): Promise<void> {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), data);
  if (mtime) await utimes(path.join(root, rel), mtime, mtime);
}

test('listRecursive lists files at every depth with sizes and times, skipping refused folders', async (t) => {
  const root = await tempDir(t);
  const old = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));
  await file(root, 'a.parquet', 'abc', old);
  await file(root, 'p=1/q=x/b.parquet', '12345');
  await file(root, '_delta_log/00000000000000000000.json', '{}');
  await mkdir(path.join(root, 'empty/deeper'), { recursive: true });
  const storage = new LocalStorage(root);

  const all = (await storage.listRecursive('')).sort((x, y) => x.path.localeCompare(y.path));
  assert.deepEqual(
    all.map((e) => [e.path, e.size]),
    [
      ['_delta_log/00000000000000000000.json', 2],
      ['a.parquet', 3],
      ['p=1/q=x/b.parquet', 5],
    ],
  );
  assert.equal(all.find((e) => e.path === 'a.parquet')!.modificationTime, old.getTime());

  const seen: string[] = [];
  const filtered = await storage.listRecursive('', (dir) => {
    seen.push(dir);
    return dir !== '_delta_log';
  });
  assert.deepEqual(filtered.map((e) => e.path).sort(), ['a.parquet', 'p=1/q=x/b.parquet']);
  assert.deepEqual(seen.sort(), ['_delta_log', 'empty', 'empty/deeper', 'p=1', 'p=1/q=x'], 'the filter gets table-relative folder paths');

  assert.deepEqual(
    (await storage.listRecursive('p=1/')).map((e) => e.path),
    ['p=1/q=x/b.parquet'],
    'paths stay relative to the table root',
  );
  assert.deepEqual(await storage.listRecursive('missing'), []);
  await assert.rejects(storage.listRecursive('../elsewhere'), (e) => isDeltaError(e, 'DELTA_PROTOCOL'));
});

test('removeEmptyDirs removes empty folders deepest first and keeps non-empty, refused ones and the root', async (t) => {
  const root = await tempDir(t);
  await mkdir(path.join(root, 'p=1/q=x'), { recursive: true }); // both go: q=x empty, then p=1
  await file(root, 'p=2/keep.parquet', 'x'); // kept: not empty
  await mkdir(path.join(root, '_change_data/p=3'), { recursive: true }); // refused by the filter
  await mkdir(path.join(root, 'p=4/q=y'), { recursive: true });
  await file(root, 'p=4/.hidden', ''); // q=y goes, p=4 stays
  const storage = new LocalStorage(root);

  const removed = await storage.removeEmptyDirs('', (dir) => !dir.startsWith('_change_data'));
  assert.equal(removed, 3);
  assert.deepEqual((await readdir(root)).sort(), ['_change_data', 'p=2', 'p=4']);
  assert.deepEqual(await readdir(path.join(root, 'p=4')), ['.hidden']);
  assert.deepEqual(await readdir(path.join(root, '_change_data')), ['p=3']);
  assert.equal(await storage.removeEmptyDirs('missing'), 0);
  await assert.rejects(storage.removeEmptyDirs('../'), (e) => isDeltaError(e, 'DELTA_PROTOCOL'));

  const emptyRoot = await tempDir(t);
  assert.equal(await new LocalStorage(emptyRoot).removeEmptyDirs(''), 0);
  assert.deepEqual(await readdir(emptyRoot), [], 'the root itself still exists');
});

test('getUri reads file: URIs, reports a missing file as undefined and refuses other schemes by name', async (t) => {
  const root = await tempDir(t);
  const outside = await tempDir(t);
  await file(outside, 'dv dir/deletion_vector_x.bin', 'bytes');
  const storage = new LocalStorage(root);
  const uri = pathToFileURL(path.join(outside, 'dv dir/deletion_vector_x.bin')).href;
  assert.match(uri, /dv%20dir/);
  assert.equal(Buffer.from((await storage.getUri(uri))!).toString(), 'bytes');
  assert.equal(await storage.getUri(pathToFileURL(path.join(outside, 'nope.bin')).href), undefined);
  await assert.rejects(
    storage.getUri('s3://bucket/table/dv.bin'),
    (e) => isDeltaError(e, 'DELTA_UNSUPPORTED') && /'s3:'/.test(e.message) && e.context.scheme === 's3',
  );
  await assert.rejects(storage.getUri('ABFSS://c@a.dfs.core.windows.net/dv.bin'), (e) => isDeltaError(e, 'DELTA_UNSUPPORTED') && e.context.scheme === 'abfss');
  await assert.rejects(storage.getUri('/no/scheme.bin'), (e) => isDeltaError(e, 'DELTA_PROTOCOL'));
});

test('a file: URI inside the table resolves to the location engineUri gives that file', async (t) => {
  const root = await tempDir(t);
  const storage = new LocalStorage(root);
  const uri = `${pathToFileURL(root).href}//p=1/./a%20b.parquet`;
  assert.equal(resolveDataFile(storage, uri), storage.engineUri('p=1/a b.parquet'));
  assert.equal(resolveDataFile(storage, 'p=1/a%20b.parquet'), storage.engineUri('p=1/a b.parquet'));
});
