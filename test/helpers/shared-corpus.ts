// The team's shared corpora (Delta conformance tables, Debezium fixtures) live next to the
// repository, in ../shared. A user's clone has none: tests reading them then skip, with the reason
// (scripts/test.sh lists it). Under CI=true the corpus must be there and its absence is a failure.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface SharedCorpus {
  /** Absolute path of the corpus folder. */
  dir: string;
  /** false when present; otherwise the reason to skip (pass it as node:test's `skip` option). */
  skip: string | false;
}

/**
 * `relative` is the folder inside ../shared, e.g. "conformance" or "fixtures/debezium".
 * SHORI_SHARED_DIR points elsewhere (a git worktree, whose parent holds no shared/).
 */
export function sharedCorpus(relative: string, env: NodeJS.ProcessEnv = process.env, repo: string = REPO): SharedCorpus {
  const root = env.SHORI_SHARED_DIR || path.resolve(repo, '..', 'shared');
  const dir = path.resolve(root, relative);
  if (existsSync(dir)) return { dir, skip: false };
  const reason = `shared corpus ${dir} absent (the team's reference data beside the repository, or SHORI_SHARED_DIR; CI always has it)`;
  if (env.CI === 'true') throw new Error(`CI=true but the ${reason}`);
  return { dir, skip: reason };
}
