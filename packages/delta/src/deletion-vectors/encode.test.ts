// The deletion vector encoder against the decoder (every container kind, offsets, 64-bit
// buckets) and, byte for byte, against the vectors Databricks wrote in the shared corpus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStorage } from '../storage/local-storage.ts';
import { parseCommit } from '../actions/serde.ts';
import { tempDir } from '../test-support/fixtures.ts';
import { decodeRoaringBitmapArray } from './roaring.ts';
import { encodeRoaringBitmapArray, unionRows, writeDeletionVectorFile } from './encode.ts';
import { deletionVectorBitmap, dvRelativePath, loadDeletionVector } from './load.ts';
import { z85Decode, z85Encode } from './z85.ts';
import { isDeltaError } from '../errors.ts';

const range = (from: number, n: number, step = 1) => Array.from({ length: n }, (_, i) => from + i * step);

test('z85 encode is the inverse of decode (RFC 32 vector)', () => {
  const bytes = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  assert.equal(z85Encode(bytes), 'HelloWorld');
  assert.deepEqual(z85Decode(z85Encode(bytes)), bytes);
  assert.throws(
    () => z85Encode(new Uint8Array(3)),
    (e) => isDeltaError(e, 'DELTA_PROTOCOL'),
  );
});

test('RoaringBitmapArray round trip: array, bitset and run containers, offsets, 64-bit buckets', () => {
  const cases: number[][] = [
    [0],
    [3, 7],
    range(0, 4096, 2), // array container at its limit
    range(0, 5000, 3).filter((v) => v < 65536), // 5000 scattered values: bitset
    range(10, 9000), // one long run
    [...range(0, 3000, 5), ...range(65536 * 3, 100), 65536 * 5 + 1, ...range(65536 * 7, 6000)], // mixed kinds, >= 4 containers with runs: offsets
    [1, 2, 3, 65536 * 2, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 3 * 2 ** 32 + 65536 + 1], // several 32-bit buckets
  ];
  for (const rows of cases) assert.deepEqual(decodeRoaringBitmapArray(encodeRoaringBitmapArray(rows)), rows, `rows ${rows.slice(0, 5).join(',')}...`);
  // A run is smaller than an array or a bitset of the same values.
  assert.ok(encodeRoaringBitmapArray(range(10, 9000)).length < 40);
  assert.throws(() => encodeRoaringBitmapArray([5, 5]), /ascending, distinct/);
  assert.throws(() => encodeRoaringBitmapArray([7, 3]), /ascending, distinct/);
  assert.deepEqual(unionRows([1, 4, 9], [2, 4, 10]), [1, 2, 4, 9, 10]);
});

test('writeDeletionVectorFile: one .bin with several vectors, each descriptor readable at its offset', async (t) => {
  const storage = new LocalStorage(await tempDir(t));
  const vectors = [[3, 7], range(100, 5000), range(0, 70000, 7)];
  const written = await writeDeletionVectorFile(storage, vectors);
  assert.match(written.path, /^deletion_vector_[0-9a-f-]{36}\.bin$/);
  assert.equal(written.descriptors[0].offset, 1);
  for (const [i, dv] of written.descriptors.entries()) {
    assert.equal(dv.storageType, 'u');
    assert.equal(dvRelativePath(dv), written.path);
    assert.equal(dv.cardinality, vectors[i].length);
    assert.deepEqual(await loadDeletionVector(storage, dv), vectors[i]);
  }
  await assert.rejects(writeDeletionVectorFile(storage, [[]]), /empty deletion vector/);
});

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const corpus = path.resolve(process.env.SHORI_SHARED_DIR || path.resolve(repo, '../shared'), 'conformance/delta-rs-tables/cdf-table-with-cdc-and-dvs');
const SKIP: string | false = existsSync(corpus) ? false : `shared corpus ${corpus} absent (CI always has it)`;
if (SKIP && process.env.CI === 'true') throw new Error(`CI=true but the ${SKIP}`);

test('our encoding of each Databricks-written deletion vector equals its bytes', { skip: SKIP }, async () => {
  const storage = new LocalStorage(corpus);
  const logDir = path.join(corpus, '_delta_log');
  let checked = 0;
  for (const name of (await readdir(logDir)).filter((n) => n.endsWith('.json')).sort()) {
    for (const action of parseCommit(await readFile(path.join(logDir, name), 'utf8'), Number(name.slice(0, 20)))) {
      const dv = 'add' in action ? action.add.deletionVector : undefined;
      if (!dv) continue;
      const theirs = await deletionVectorBitmap(storage, dv);
      assert.deepEqual(Buffer.from(encodeRoaringBitmapArray(decodeRoaringBitmapArray(theirs))), Buffer.from(theirs), `${name}: ${dv.pathOrInlineDv}`);
      checked++;
    }
  }
  assert.ok(checked >= 5, `checked ${checked} vectors`);
});
