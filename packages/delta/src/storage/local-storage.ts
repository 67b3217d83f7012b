// Storage on a local file system. putIfAbsent writes a unique temp file, then hard-links it to
// the final name: link(2) fails with EEXIST when the name exists, so exactly one racer wins and
// readers never see a partial commit. The temp file is unlinked afterwards either way.
//
// Durability (power loss, not just a killed process): a commit must never reach the disk before the
// files it references. So every data file the engine wrote (parquet data, `_change_data/` files) is
// fsynced, with its folder, in `finishEngineWrite`, i.e. before its commit is attempted; folders
// created for it (a new partition, `_change_data/`) are fsynced in their parent too. The commit's
// temp file is flushed before the link and the log folder fsynced after it, so a commit that returned
// is on disk, name and content. `put` (checkpoints, `_last_checkpoint`, deletion vector files) writes
// a temp file, fsyncs it, renames it and fsyncs the folder. The fsync itself is injectable
// (`LocalStorageOptions.fsync`) so tests can watch what is synced and when.
// Absolute URIs (`getUri`) are read only for the `file:` scheme.
import { mkdir, readFile, writeFile, link, unlink, readdir, rmdir, stat, rm, open, rename } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeltaError } from '../errors.ts';
import type { DescendFilter, Storage, StorageEntry } from './storage.ts';

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === code;
}

/** fsync of a file or a folder given by absolute path: makes its content, or the names in it, durable. */
export type Fsync = (absPath: string) => Promise<void>;

/** fsync a file or folder (Linux: fsync on any descriptor flushes the inode's dirty pages). */
export const fsyncPath: Fsync = async (p) => {
  const handle = await open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

export interface LocalStorageOptions {
  /** How a file or folder is fsynced (default `fsyncPath`); tests pass a recording one. */
  fsync?: Fsync;
}

function ioError(op: string, p: string, cause: unknown): DeltaError {
  return new DeltaError('DELTA_IO', `Storage ${op} failed for ${p}`, { cause, canRetry: true, context: { path: p } });
}

export class LocalStorage implements Storage {
  readonly location: string;
  readonly root: string;

  readonly #fsync: Fsync;
  /** Folders made for engine writes whose own names are not yet durable in their parent: file → folders. */
  readonly #newDirs = new Map<string, string[]>();

  constructor(root: string, options: LocalStorageOptions = {}) {
    this.root = path.resolve(root);
    this.location = this.root;
    this.#fsync = options.fsync ?? fsyncPath;
  }

  /** mkdir -p `dir`; returns the folders it created (outermost first), each needing an fsync of its parent. */
  async #makeDirs(dir: string): Promise<string[]> {
    const first = await mkdir(dir, { recursive: true });
    if (first === undefined) return [];
    const made: string[] = [];
    for (let d = dir; d.length >= first.length; d = path.dirname(d)) made.unshift(d);
    return made;
  }

  /** fsyncs the parents of freshly made folders, innermost first, so each new name is durable. */
  async #syncNewDirs(made: readonly string[]): Promise<void> {
    for (const d of [...made].reverse()) await this.#fsync(path.dirname(d));
  }

  private abs(relative: string): string {
    const normalized = path.posix.normalize(relative);
    if (path.posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
      throw new DeltaError('DELTA_PROTOCOL', `Path escapes the table root: ${relative}`, { context: { path: relative } });
    }
    return path.join(this.root, normalized);
  }

  async get(p: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.abs(p));
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw ioError('get', p, error);
    }
  }

  async put(p: string, data: Uint8Array | string): Promise<void> {
    const target = this.abs(p);
    try {
      const made = await this.#makeDirs(path.dirname(target));
      const tmp = `${target}.${randomUUID()}.tmp`;
      await writeFile(tmp, data);
      await this.#fsync(tmp);
      await rename(tmp, target);
      await this.#fsync(path.dirname(target));
      await this.#syncNewDirs(made);
    } catch (error) {
      throw ioError('put', p, error);
    }
  }

  async putIfAbsent(p: string, data: Uint8Array | string): Promise<boolean> {
    const target = this.abs(p);
    const dir = path.dirname(target);
    // The temp name starts with '.' so log listings never mistake it for a commit.
    const tmp = path.join(dir, `.${path.basename(target)}.${randomUUID()}.tmp`);
    let made: string[];
    try {
      made = await this.#makeDirs(dir);
      await writeFile(tmp, data);
      await this.#fsync(tmp);
    } catch (error) {
      throw ioError('putIfAbsent', p, error);
    }
    let won: boolean;
    try {
      await link(tmp, target);
      won = true;
    } catch (error) {
      if (!isCode(error, 'EEXIST')) {
        await unlink(tmp).catch(() => undefined);
        throw ioError('putIfAbsent', p, error);
      }
      won = false;
    }
    await unlink(tmp).catch(() => undefined);
    // The commit is visible from here on: a failed fsync must not be reported as a lost race or a
    // failed commit (the caller would delete the data files the commit references).
    if (won)
      await this.#fsync(dir)
        .then(() => this.#syncNewDirs(made))
        .catch(() => undefined);
    return won;
  }

  async list(dir: string): Promise<StorageEntry[]> {
    const absDir = dir === '' ? this.root : this.abs(dir);
    let names: string[];
    try {
      names = await readdir(absDir);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return [];
      throw ioError('list', dir, error);
    }
    const entries: StorageEntry[] = [];
    for (const name of names) {
      const rel = dir === '' ? name : `${dir.replace(/\/$/, '')}/${name}`;
      const s = await this.stat(rel);
      if (s) entries.push(s);
    }
    return entries;
  }

  async listNames(dir: string): Promise<string[]> {
    const absDir = dir === '' ? this.root : this.abs(dir);
    try {
      // d_type from the directory read itself: no stat per entry.
      return (await readdir(absDir, { withFileTypes: true })).filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return [];
      throw ioError('list', dir, error);
    }
  }

  async listRecursive(dir: string, descend?: DescendFilter): Promise<StorageEntry[]> {
    const out: StorageEntry[] = [];
    await this.walk(dir.replace(/\/$/, ''), descend, out);
    return out;
  }

  private async walk(dir: string, descend: DescendFilter | undefined, out: StorageEntry[]): Promise<void> {
    const absDir = dir === '' ? this.root : this.abs(dir);
    let entries;
    try {
      entries = await readdir(absDir, { withFileTypes: true });
    } catch (error) {
      if (isCode(error, 'ENOENT')) return;
      throw ioError('listRecursive', dir, error);
    }
    for (const entry of entries) {
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!descend || descend(rel)) await this.walk(rel, descend, out);
      } else if (entry.isFile()) {
        const s = await this.stat(rel);
        if (s) out.push(s); // gone in between: not listed
      }
    }
  }

  async removeEmptyDirs(dir: string, descend?: DescendFilter): Promise<number> {
    const base = dir.replace(/\/$/, '');
    const absBase = base === '' ? this.root : this.abs(base);
    let entries;
    try {
      entries = await readdir(absBase, { withFileTypes: true });
    } catch {
      return 0; // gone or unreadable: nothing to remove (best effort)
    }
    let removed = 0;
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const rel = base === '' ? entry.name : `${base}/${entry.name}`;
      if (descend && !descend(rel)) continue;
      removed += await this.removeEmptyDirs(rel, descend);
      try {
        await rmdir(this.abs(rel));
        removed++;
      } catch {
        // not empty (or already gone): keep it
      }
    }
    return removed;
  }

  async getUri(uri: string): Promise<Uint8Array | undefined> {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
    if (scheme === undefined) {
      throw new DeltaError('DELTA_PROTOCOL', `Not an absolute URI: ${uri}`, { context: { uri } });
    }
    if (scheme !== 'file') {
      throw new DeltaError('DELTA_UNSUPPORTED', `Local storage cannot read '${scheme}:' URIs: ${uri}`, { context: { uri, scheme } });
    }
    let file: string;
    try {
      file = fileURLToPath(uri);
    } catch (cause) {
      throw new DeltaError('DELTA_PROTOCOL', `Not a valid local file URI: ${uri}`, { cause, context: { uri } });
    }
    try {
      return await readFile(file);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw ioError('getUri', uri, error);
    }
  }

  async delete(p: string): Promise<void> {
    await rm(this.abs(p), { force: true }).catch((error) => {
      throw ioError('delete', p, error);
    });
  }

  async stat(p: string): Promise<StorageEntry | undefined> {
    try {
      const s = await stat(this.abs(p));
      if (!s.isFile()) return undefined;
      return { path: p, size: s.size, modificationTime: Math.floor(s.mtimeMs) };
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw ioError('stat', p, error);
    }
  }

  async prepareEngineWrite(p: string): Promise<string> {
    const target = this.abs(p);
    const made = await this.#makeDirs(path.dirname(target));
    if (made.length > 0) this.#newDirs.set(path.dirname(target), made);
    return target;
  }

  /**
   * The engine wrote `p` in place: fsync it and its folder (and the parents of folders made for
   * it), so the commit that will reference it can never be on disk without it.
   */
  async finishEngineWrite(p: string): Promise<void> {
    const target = this.abs(p);
    const dir = path.dirname(target);
    try {
      await Promise.all([this.#fsync(target), this.#fsync(dir)]);
      const made = this.#newDirs.get(dir);
      if (made) {
        await this.#syncNewDirs(made);
        this.#newDirs.delete(dir);
      }
    } catch (error) {
      throw ioError('finishEngineWrite', p, error);
    }
  }

  engineUri(p: string): string {
    return this.abs(p);
  }

  /** True when the root directory exists (used to tell "no table" from "empty log"). */
  async exists(p: string): Promise<boolean> {
    try {
      await stat(this.abs(p));
      return true;
    } catch {
      return false;
    }
  }
}

export function storageFor(location: string | Storage): Storage {
  if (typeof location !== 'string') return location;
  if (location.startsWith('file://')) return new LocalStorage(new URL(location).pathname);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new DeltaError('DELTA_UNSUPPORTED', `Only local tables are supported, not ${location}`, { context: { location } });
  }
  return new LocalStorage(location);
}
