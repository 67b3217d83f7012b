// Z85, the RoaringBitmapArray decoder and descriptor resolution on hand-built bitmaps (array, run
// and bitset containers; two 32-bit buckets), inline and on-disk, with CRC and cardinality checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalStorage } from '../storage/local-storage.ts';
import { duck, rows, tempDir } from '../test-support/fixtures.ts';
import { z85Decode } from './z85.ts';
import { decodeRoaringBitmapArray, DV_MAGIC } from './roaring.ts';
import { keepRowsCondition, loadDeletionVector } from './load.ts';
import { isDeltaError } from '../errors.ts';

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
function z85Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let word = ((bytes[i] << 24) >>> 0) + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3];
    const chunk: string[] = [];
    for (let j = 0; j < 5; j++) {
      chunk.unshift(Z85[word % 85]);
      word = Math.floor(word / 85);
    }
    out += chunk.join('');
  }
  return out;
}

test('z85 decodes the ZeroMQ RFC 32 test vector', () => {
  assert.deepEqual([...z85Decode('HelloWorld')], [0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  assert.throws(
    () => z85Decode('abc'),
    (e) => isDeltaError(e, 'DELTA_PROTOCOL'),
  );
});

/** A RoaringBitmapArray: bucket 0 holds an array container {1, 5} and a run container 65536..65545; bucket 1 holds a bitset container. */
function sampleBitmap(): { bytes: Uint8Array; rows: number[] } {
  const parts: Buffer[] = [];
  const u16 = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return b;
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const header = Buffer.alloc(12);
  header.writeInt32LE(DV_MAGIC, 0);
  header.writeBigInt64LE(2n, 4);
  parts.push(header);
  // bucket 0: cookie with runs, 2 containers; run flags 0b10 (second container is a run)
  parts.push(u32(0), u32(12347 | ((2 - 1) << 16)), Buffer.from([0b10]), u16(0), u16(1), u16(1), u16(9));
  parts.push(u16(1), u16(5)); // array container
  parts.push(u16(1), u16(0), u16(9)); // one run: start 0, length-1 9
  // bucket 1: no runs, 1 bitset container (cardinality 4097 forces a bitset)
  const bits = Buffer.alloc(8192);
  for (let v = 0; v < 4097; v++) bits[v >> 3] |= 1 << (v & 7);
  parts.push(u32(1), u32(12346), u32(1), u16(0), u16(4096), u32(0), bits);
  const rows = [1, 5, ...Array.from({ length: 10 }, (_, i) => 65536 + i), ...Array.from({ length: 4097 }, (_, i) => 2 ** 32 + i)];
  return { bytes: new Uint8Array(Buffer.concat(parts)), rows };
}

test('RoaringBitmapArray: array, run and bitset containers across 32-bit buckets', () => {
  const { bytes, rows } = sampleBitmap();
  assert.deepEqual(decodeRoaringBitmapArray(bytes), rows);
  const bad = bytes.slice();
  bad[0] ^= 1;
  assert.throws(() => decodeRoaringBitmapArray(bad), /magic/);
});

test('deletion vectors: inline (i) and on-disk (u) with offset, CRC and cardinality checks', async (t) => {
  const small = new Uint8Array(
    Buffer.concat([
      (() => {
        const h = Buffer.alloc(12);
        h.writeInt32LE(DV_MAGIC);
        h.writeBigInt64LE(1n, 4);
        return h;
      })(),
      Buffer.from([0, 0, 0, 0, 0x3a, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3, 0, 7, 0]),
    ]),
  ); // key 0; cookie 12346, 1 container, card 2, offset; {3, 7}
  const storage = new LocalStorage(await tempDir(t));
  const padded = new Uint8Array(Math.ceil(small.length / 4) * 4);
  padded.set(small);
  assert.deepEqual(
    await loadDeletionVector(storage, { storageType: 'i', pathOrInlineDv: z85Encode(padded), sizeInBytes: small.length, cardinality: 2 }),
    [3, 7],
  );

  const { bytes, rows } = sampleBitmap();
  const size = Buffer.alloc(4);
  size.writeUInt32BE(bytes.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(bytes) >>> 0);
  const file = Buffer.concat([Buffer.from([1]), Buffer.alloc(7), size, bytes, crc]); // DV at offset 8
  const uuid = new Uint8Array(16).map((_, i) => i * 7);
  await storage.put('ab/deletion_vector_00070e15-1c23-2a31-383f-464d545b6269.bin', file);
  const dv = { storageType: 'u', pathOrInlineDv: `ab${z85Encode(uuid)}`, offset: 8, sizeInBytes: bytes.length, cardinality: rows.length };
  assert.deepEqual(await loadDeletionVector(storage, dv), rows);
  await assert.rejects(loadDeletionVector(storage, { ...dv, cardinality: 3 }), /descriptor says 3/);
  // p: the same file by absolute URI, read through Storage.getUri
  const absolute = {
    ...dv,
    storageType: 'p',
    pathOrInlineDv: pathToFileURL(path.join(storage.root, 'ab/deletion_vector_00070e15-1c23-2a31-383f-464d545b6269.bin')).href,
  };
  assert.deepEqual(await loadDeletionVector(storage, absolute), rows);
  await assert.rejects(
    loadDeletionVector(storage, { ...absolute, pathOrInlineDv: `${absolute.pathOrInlineDv}.gone` }),
    (e) => isDeltaError(e, 'DELTA_IO') && /missing/.test(e.message),
  );
  await assert.rejects(
    loadDeletionVector(storage, { ...absolute, pathOrInlineDv: 's3://bucket/dv.bin' }),
    (e) => isDeltaError(e, 'DELTA_UNSUPPORTED') && /'s3:'/.test(e.message),
  );
  file[20] ^= 0xff;
  await storage.put('ab/deletion_vector_00070e15-1c23-2a31-383f-464d545b6269.bin', file);
  await assert.rejects(loadDeletionVector(storage, dv), /CRC-32/);
});

test('keepRowsCondition turns runs into ranges, and many terms into a bitmap the engine tests', async (t) => {
  assert.equal(keepRowsCondition('r', [1, 2, 3, 4, 9, 11]), 'NOT (r BETWEEN 1 AND 4 OR r IN (9, 11))');
  assert.equal(keepRowsCondition('r', []), 'true');
  const conn = await duck(t);
  const deleted = [...Array.from({ length: 2000 }, (_, i) => i * 7 + 3), 20_000, 20_001, 20_002, 30_001];
  const condition = keepRowsCondition('r', deleted);
  assert.match(condition, /get_bit/);
  const kept = await rows(conn, `SELECT count(*)::INT AS n, sum(r)::BIGINT AS s FROM range(0, 40000) AS t(r) WHERE ${condition}`);
  const expected = Array.from({ length: 40000 }, (_, r) => r).filter((r) => !deleted.includes(r));
  assert.deepEqual(kept, [{ n: expected.length, s: String(expected.reduce((a, b) => a + b, 0)) }]);
});
