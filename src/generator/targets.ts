// Chooses the generator targets from configuration.
import type { Config } from '../config/index.ts';
import type { GeneratorTarget } from './target.ts';
import { EmbeddedTarget } from './embedded-target.ts';

export const TARGET_KINDS = ['embedded'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export async function createTargets(kind: TargetKind, config: Config, sources?: string[]): Promise<GeneratorTarget[]> {
  switch (kind) {
    case 'embedded':
      return (sources ?? config.EMBEDDED_SOURCES).map((name) => new EmbeddedTarget(config.DATA_DIR, name));
  }
}
