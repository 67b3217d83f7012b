import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedFeed } from './embedded-feed.ts';
import { EmbeddedTarget } from '../../generator/embedded-target.ts';
import { Workload } from '../../generator/workload.ts';
import { decodeMessage } from '../../sources/debezium/decode.ts';
import { isShoriError } from '../../errors.ts';
import { openSourceDb } from '../../sources/embedded/source-db.ts';

const STREAM = 'shorisql_1.TicketsDb.dbo.Tickets';

async function seeded() {
  const dataDir = mkdtempSync(join(tmpdir(), 'feed-'));
  const target = new EmbeddedTarget(dataDir, 'shorisql_1');
  const w = new Workload({ seed: 1, mix: { insert: 1, update: 0, delete: 0 } });
  const a = await target.insert(w.newTicket());
  const b = await target.insert(w.newTicket());
  await target.update(a, { Status: 'InProgress' });
  await target.delete(b);
  const moved = await target.changeKey(a);
  return { dataDir, target, a, b, moved: moved! };
}

test('changes become Debezium records in order: c, c, u, d + tombstone, key change = d + tombstone + c', async () => {
  const { dataDir, target, a, b, moved } = await seeded();
  const feed = new EmbeddedFeed({ dataDir, sources: ['shorisql_1'], pollIntervalMs: 10 });
  const sub = await feed.subscribe({ group: 'g', initial: 'earliest' });
  const records = await sub.poll(100, 100);
  const summary = records.map((r) => {
    if (r.value === null) return `tombstone:${JSON.parse(r.key!.toString()).payload.TicketID}`;
    const d = decodeMessage(r.key, r.value);
    assert.ok(d.ok && d.value.kind === 'change');
    return `${d.value.op}:${(d.value.after ?? d.value.before)!.TicketID}`;
  });
  assert.deepEqual(summary, [`c:${a}`, `c:${b}`, `u:${a}`, `d:${b}`, `tombstone:${b}`, `d:${a}`, `tombstone:${a}`, `c:${moved}`]);
  const positions = records.map((r) => r.position);
  assert.deepEqual(
    [...positions].sort((x, y) => x - y),
    positions,
    'positions increase',
  );
  assert.equal(new Set(positions).size, positions.length, 'positions are unique');
  // The order key sorts the key change's delete before its create.
  const seqs = records
    .filter((r) => r.value)
    .map((r) => {
      const d = decodeMessage(r.key, r.value);
      return d.ok && d.value.kind === 'change' ? d.value.seq : '';
    });
  assert.deepEqual([...seqs].sort(), seqs);
  await sub.close();
  await feed.close();
  await target.close();
});

test('groups resume from their committed positions; rows are purged once every group passed them; a gap is refused', async () => {
  const { dataDir, target } = await seeded();
  const feed = new EmbeddedFeed({ dataDir, sources: ['shorisql_1'], pollIntervalMs: 10 });
  const one = await feed.subscribe({ group: 'one', initial: 'earliest' });
  const two = await feed.subscribe({ group: 'two', initial: 'earliest' });
  const all = await one.poll(100, 100);
  await one.commit([{ stream: STREAM, partition: 0, next: all[3].position + 1 }]);
  const db = openSourceDb(dataDir, 'shorisql_1');
  const rows = () => Number((db.prepare('SELECT count(*) AS n FROM cdc_changes').get() as { n: number }).n);
  assert.equal(rows(), 5, 'group two has not committed: nothing purged');
  assert.deepEqual(
    (await one.lag()).filter((l) => l.stream === STREAM).map((l) => l.lag),
    [1],
  );
  await two.commit([{ stream: STREAM, partition: 0, next: all[2].position + 1 }]);
  // Purging is by whole change rows below the slower group's position (lsn 1 and 2 here).
  assert.equal(rows(), 3, 'purged up to the slower group');
  await one.close();

  // Reopened, group one resumes after its committed position.
  const again = await feed.subscribe({ group: 'one', initial: 'earliest' });
  const rest = await again.poll(100, 100);
  assert.deepEqual(
    rest.map((r) => r.position),
    all.slice(4).map((r) => r.position),
  );

  // A group whose position was purged away must not resume silently.
  await two.commit([{ stream: STREAM, partition: 0, next: all.at(-1)!.position + 1 }]);
  await again.commit([{ stream: STREAM, partition: 0, next: all.at(-1)!.position + 1 }]);
  await assert.rejects(
    feed.subscribe({ group: 'late', initial: 'earliest', onAssigned: async () => [{ stream: STREAM, partition: 0, next: all[0].position }] }),
    (error: unknown) => isShoriError(error, 'SHORI_FEED_GAP') && error.fatal,
  );
  db.close();
  await feed.close();
  await target.close();
});

test('a re-published change (origin_lsn) takes a new position and carries the original order key', async () => {
  const { dataDir, target, b } = await seeded();
  const db = openSourceDb(dataDir, 'shorisql_1');
  // The create of b (deleted since) is published again, as Debezium does after a connector restart.
  const created = db.prepare("SELECT lsn FROM cdc_changes WHERE op = 'c' AND json_extract(after, '$.TicketID') = ?").get(b) as { lsn: number };
  db.prepare(
    'INSERT INTO cdc_changes (op, tbl, before, after, commit_ts, origin_lsn) SELECT op, tbl, before, after, commit_ts, lsn FROM cdc_changes WHERE lsn = ?',
  ).run(created.lsn);
  const feed = new EmbeddedFeed({ dataDir, sources: ['shorisql_1'], pollIntervalMs: 10 });
  const sub = await feed.subscribe({ group: 'g', initial: 'earliest' });
  const records = await sub.poll(100, 100);
  const changes = records.flatMap((r) => {
    const d = r.value === null ? null : decodeMessage(r.key, r.value);
    return d && d.ok && d.value.kind === 'change'
      ? [{ position: r.position, op: d.value.op, id: (d.value.after ?? d.value.before)!.TicketID, seq: d.value.seq }]
      : [];
  });
  const original = changes.find((c) => c.position === created.lsn * 4)!;
  const again = changes.at(-1)!;
  assert.deepEqual([original.op, original.id, again.op, again.id], ['c', b, 'c', b], 'the create is delivered twice');
  assert.equal(again.seq, original.seq, 'with the same order key');
  assert.ok(again.position > records.at(-2)!.position, 'at a new position, after every other record');
  assert.equal(new Set(records.map((r) => r.position)).size, records.length, 'positions stay unique');
  db.close();
  await sub.close();
  await feed.close();
  await target.close();
});
