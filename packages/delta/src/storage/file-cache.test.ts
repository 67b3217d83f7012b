import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, readdir } from 'node:fs/promises';
import { tempDir } from '../test-support/fixtures.ts';
import { FileCache } from './file-cache.ts';

const fetcher = (content: string, calls: string[]) => async (tmp: string) => {
  calls.push(tmp);
  await writeFile(tmp, content);
  return true;
};

test('a miss fetches once (concurrent requests share it), a hit does not fetch; missing objects are reported', async (t) => {
  const cache = await FileCache.open({ root: await tempDir(t), maxBytes: 1000 });
  const calls: string[] = [];
  const results = await Promise.all([1, 2, 3].map(() => cache.ensure('t/a.parquet', fetcher('aaaa', calls))));
  assert.deepEqual(results, [true, true, true]);
  assert.equal(calls.length, 1, 'one download for three concurrent readers');
  assert.ok(calls[0].endsWith('.part'), 'downloaded to a temp file, renamed into place');
  assert.equal(await readFile(cache.localPath('t/a.parquet'), 'utf8'), 'aaaa');
  assert.equal(await cache.ensure('t/a.parquet', fetcher('other', calls)), true);
  assert.equal(calls.length, 1);
  assert.equal(await cache.ensure('t/missing.parquet', async () => false), false);
  assert.deepEqual(cache.stats(), { files: 1, bytes: 4, hits: 1, misses: 2, evicted: 0 });
});

test('over the bound, least recently used files outside the grace window go; recent ones stay', async (t) => {
  const root = await tempDir(t);
  const cache = await FileCache.open({ root, maxBytes: 10, graceMs: 0 });
  await cache.ensure('a', fetcher('1234', []));
  await new Promise((r) => setTimeout(r, 5));
  await cache.ensure('b', fetcher('1234', []));
  await new Promise((r) => setTimeout(r, 5));
  cache.touch('a'); // a is now more recent than b
  await new Promise((r) => setTimeout(r, 5));
  await cache.ensure('c', fetcher('1234', []));
  assert.equal(cache.has('b'), false, 'the least recently used went');
  assert.ok(cache.has('a') && cache.has('c'));
  assert.deepEqual((await readdir(root)).sort(), ['a', 'c']);

  const graced = await FileCache.open({ root: await tempDir(t), maxBytes: 10, graceMs: 60_000 });
  for (const k of ['x', 'y', 'z']) await graced.ensure(k, fetcher('1234', []));
  assert.equal(graced.stats().files, 3, 'files used within the grace window are kept even over the bound');
});

test('engine-written files are adopted in place; a reopened cache finds its files and drops partial downloads', async (t) => {
  const root = await tempDir(t);
  const cache = await FileCache.open({ root, maxBytes: 1000 });
  const local = await cache.prepareWrite('tbl/part-1.parquet');
  await writeFile(local, 'written');
  await cache.adopt('tbl/part-1.parquet');
  assert.equal(cache.has('tbl/part-1.parquet'), true);
  await writeFile(`${cache.localPath('tbl/part-2.parquet')}.abcd1234.part`, 'half');
  const reopened = await FileCache.open({ root, maxBytes: 1000 });
  assert.equal(reopened.has('tbl/part-1.parquet'), true);
  assert.deepEqual(reopened.stats().bytes, 7);
  assert.deepEqual(await readdir(`${root}/tbl`), ['part-1.parquet'], 'the partial download is gone');
  await reopened.remove('tbl/part-1.parquet');
  assert.equal(reopened.has('tbl/part-1.parquet'), false);
  assert.deepEqual(await readdir(`${root}/tbl`), []);
});
