import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWriterDb, writerThreads } from './writer-db.ts';

test('the writer DuckDB leaves a core to the main thread unless told its thread count', async () => {
  assert.equal(writerThreads(0), Math.max(1, availableParallelism() - 1));
  assert.equal(writerThreads(), writerThreads(0));
  assert.equal(writerThreads(3), 3);
  for (const [setting, expected] of [
    [undefined, writerThreads()],
    [3, 3],
  ] as const) {
    const { db, conn } = await openWriterDb(mkdtempSync(join(tmpdir(), 'writer-db-')), '256MB', setting);
    const threads = Number((await conn.runAndReadAll("SELECT current_setting('threads') AS n")).getRowObjectsJson()[0].n);
    assert.equal(threads, expected);
    conn.closeSync();
    db.closeSync();
  }
});
