// How the service opens its Delta tables: every commit it writes names it as the engine
// (commitInfo.engineInfo "shori-realtime/<version>").
import type { TableOptions } from '@shori/delta';
import pkg from '../../package.json' with { type: 'json' };

export const ENGINE_INFO = `shori-realtime/${(pkg as { version: string }).version}`;

export const TABLE_OPTIONS: TableOptions = { engineInfo: ENGINE_INFO };
