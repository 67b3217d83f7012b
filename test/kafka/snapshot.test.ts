// An initial snapshot through the real stack (PostgreSQL + Debezium, every event an `r` sharing one
// order key): Silver equals the source exactly and the service's peak RSS stays under 1 GiB. CI runs
// 20,000 rows; `npm run bench -- snapshot` runs the 1,000,000-row version (README: Guarantees).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { acquireStack, requireStack, type StackLease } from './stack-fixture.ts';
import { runSnapshot } from './snapshot-run.ts';

let lease: StackLease | undefined;
before(async () => {
  lease = await acquireStack();
});
after(async () => {
  await lease?.release();
});

test('a 20,000-row initial snapshot: Silver equals the source, peak RSS under 1 GiB', async (t) => {
  if (!requireStack(t, lease)) return;
  const result = await runSnapshot(20_000, (line) => t.diagnostic(line));
  assert.equal(result.silverRows, 20_000);
  assert.equal(result.silverMd5, result.sourceMd5, 'every column of every row equal');
  assert.ok(result.peakRssBytes > 0 && result.peakRssBytes < 2 ** 30, `peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
  t.diagnostic(`peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ${result.seconds.toFixed(1)} s`);
});
