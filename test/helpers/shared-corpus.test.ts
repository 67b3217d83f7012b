import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sharedCorpus } from './shared-corpus.ts';

test('a present corpus runs; an absent one skips with its reason outside CI and fails under CI', (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'shori-corpus-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const repo = path.join(root, 'repo');
  mkdirSync(repo);
  const absent = sharedCorpus('fixtures/debezium', {}, repo);
  assert.equal(absent.dir, path.join(root, 'shared/fixtures/debezium'));
  assert.match(String(absent.skip), /shared corpus .*shared\/fixtures\/debezium absent/);
  assert.throws(() => sharedCorpus('fixtures/debezium', { CI: 'true' }, repo), /CI=true but the shared corpus/);
  mkdirSync(path.join(root, 'shared/fixtures/debezium'), { recursive: true });
  assert.deepEqual(sharedCorpus('fixtures/debezium', { CI: 'true' }, repo), { dir: path.join(root, 'shared/fixtures/debezium'), skip: false });
  // SHORI_SHARED_DIR points a worktree at the corpus.
  const elsewhere = path.join(root, 'elsewhere');
  mkdirSync(path.join(elsewhere, 'conformance'), { recursive: true });
  assert.equal(sharedCorpus('conformance', { SHORI_SHARED_DIR: elsewhere }, repo).skip, false);
  assert.notEqual(sharedCorpus('conformance', {}, repo).skip, false);
});
