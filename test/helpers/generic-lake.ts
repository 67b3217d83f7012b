// A lake of generic tables for the interop tests: two embedded sources written by the workload
// generator (Customers, Agents and Tickets), fed through the embedded feed into a medallion with
// every table captured (TablesConfig.defaults()). `step` writes `count` changes and applies them;
// with `ddlAfter` the generator's DDL (a column added, types widened) runs after that many.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedFeed } from '../../src/feeds/embedded/embedded-feed.ts';
import type { FeedSubscription } from '../../src/feeds/feed.ts';
import { EmbeddedTarget } from '../../src/generator/embedded-target.ts';
import { runWorkload } from '../../src/generator/runner.ts';
import { TablesConfig } from '../../src/config/tables-config.ts';
import { Medallion } from '../../src/lakehouse/medallion/medallion.ts';

export interface GenericLake {
  dataDir: string;
  m: Medallion;
  step(count: number, seed: number, ddlAfter?: number): Promise<void>;
  close(): Promise<void>;
}

export async function openGenericLake(prefix: string, sources = ['src1', 'src2']): Promise<GenericLake> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const targets = sources.map((s) => new EmbeddedTarget(dataDir, s));
  const feed = new EmbeddedFeed({ dataDir, sources, pollIntervalMs: 10 });
  const sub: FeedSubscription = await feed.subscribe({ group: 'g', initial: 'earliest' });
  const m = await Medallion.open(dataDir, { tables: TablesConfig.defaults() });
  return {
    dataDir,
    m,
    async step(count, seed, ddlAfter) {
      const mix = { insert: 5, update: 4, delete: 1 };
      await runWorkload({ targets, rate: 0, count, mix, seed, relatedFraction: 1, ...(ddlAfter === undefined ? {} : { ddlAfter }) });
      for (;;) {
        const records = await sub.poll(100, 200);
        if (records.length === 0) break;
        await m.writeBatch(records);
      }
    },
    async close() {
      await m.close();
      await sub.close();
      await feed.close();
      for (const target of targets) await target.close();
    },
  };
}
