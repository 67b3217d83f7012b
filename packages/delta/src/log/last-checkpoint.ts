// `_delta_log/_last_checkpoint` ("Last Checkpoint File"): a hint naming the newest checkpoint, so
// a reader can start there instead of listing the log. It is only a hint: it may be missing,
// half-written, corrupt, point at a checkpoint that was never completed or was cleaned up, or lag
// behind a newer checkpoint. `readCheckpointHint` returns a checkpoint reference only when the
// JSON is well-formed and every file it names exists; callers fall back to listing otherwise.
import { LOG_DIR, checkpointPath, multipartCheckpointPath, type CheckpointRef } from './log-files.ts';
import type { Storage } from '../storage/storage.ts';

export const LAST_CHECKPOINT_PATH = `${LOG_DIR}/_last_checkpoint`;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The parsed hint (version, and the files of its checkpoint), or undefined when unusable. */
export function parseCheckpointHint(text: string): CheckpointRef | undefined {
  let hint: unknown;
  try {
    hint = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof hint !== 'object' || hint === null) return undefined;
  const { version, parts, v2Checkpoint } = hint as { version?: unknown; parts?: unknown; v2Checkpoint?: { path?: unknown } };
  if (!isCount(version)) return undefined;
  if (v2Checkpoint !== undefined) {
    const name = v2Checkpoint?.path;
    if (typeof name !== 'string' || !/^\d{20}\.checkpoint\.[0-9a-fA-F-]{36}\.(json|parquet)$/.test(name) || Number(name.slice(0, 20)) !== version)
      return undefined;
    return { version, kind: 'v2', paths: [`${LOG_DIR}/${name}`] };
  }
  if (parts !== undefined && parts !== null) {
    if (!isCount(parts) || parts < 1) return undefined;
    if (parts > 1) {
      return { version, kind: 'multipart', paths: Array.from({ length: parts }, (_, i) => multipartCheckpointPath(version, i + 1, parts)) };
    }
  }
  return { version, kind: 'classic', paths: [checkpointPath(version)] };
}

/** The checkpoint `_last_checkpoint` names, unchecked (undefined when missing or malformed). */
export async function readCheckpointHintUnchecked(storage: Storage): Promise<CheckpointRef | undefined> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await storage.get(LAST_CHECKPOINT_PATH);
  } catch {
    return undefined;
  }
  return bytes === undefined ? undefined : parseCheckpointHint(Buffer.from(bytes).toString('utf8'));
}

/** The checkpoint `_last_checkpoint` names, when the hint is valid and all its files exist. */
export async function readCheckpointHint(storage: Storage): Promise<CheckpointRef | undefined> {
  const ref = await readCheckpointHintUnchecked(storage);
  if (!ref) return undefined;
  for (const p of ref.paths) {
    const entry = await storage.stat(p).catch(() => undefined);
    if (!entry) return undefined;
  }
  return ref;
}
