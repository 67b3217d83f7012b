// What the HTTP layer reads from the running service. Routes read state; they never drive the
// pipeline except through the narrow actions exposed here.
import type { Config } from '../config/index.ts';
import type { Broadcaster } from '../sse/broadcaster.ts';
import type { PipelineState } from '../pipeline/pipeline-state.ts';
import type { Feed, FeedSubscription } from '../feeds/feed.ts';
import type { TableCatalog } from '../lakehouse/catalog.ts';

export interface ServiceContext {
  config: Config;
  feed: Feed;
  state: PipelineState;
  broadcaster: Broadcaster;
  catalog: TableCatalog;
  lakehouseSubscription: () => FeedSubscription | null;
  restartLakehouse: () => boolean;
  /** Makes an error text fit to leave the service: paths relative to the lake, no stack. */
  scrub: (text: string) => string;
}
