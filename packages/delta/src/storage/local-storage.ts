// Storage on a local file system. putIfAbsent writes a unique temp file, then hard-links it to
// the final name: link(2) fails with EEXIST when the name exists, so exactly one racer wins and
// readers never see a partial commit. The temp file is unlinked afterwards either way. The temp
// file is flushed before the link and the folder fsynced after it, so a commit that returned is on
// disk (its name and content), surviving power loss, not just a killed process.
// Absolute URIs (`getUri`) are read only for the `file:` scheme.
import { mkdir, readFile, writeFile, link, unlink, readdir, rmdir, stat, rm, open } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeltaError } from '../errors.ts';
import type { DescendFilter, Storage, StorageEntry } from './storage.ts';

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === code;
}

/** fsync a folder: makes the names created in it (a hard link) durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function ioError(op: string, p: string, cause: unknown): DeltaError {
  return new DeltaError('DELTA_IO', `Storage ${op} failed for ${p}`, { cause, canRetry: true, context: { path: p } });
}

export class LocalStorage implements Storage {
  readonly location: string;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.location = this.root;
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
      await mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.${randomUUID()}.tmp`;
      await writeFile(tmp, data);
      const { rename } = await import('node:fs/promises');
      await rename(tmp, target);
    } catch (error) {
      throw ioError('put', p, error);
    }
  }

  async putIfAbsent(p: string, data: Uint8Array | string): Promise<boolean> {
    const target = this.abs(p);
    const dir = path.dirname(target);
    // The temp name starts with '.' so log listings never mistake it for a commit.
    const tmp = path.join(dir, `.${path.basename(target)}.${randomUUID()}.tmp`);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(tmp, data, { flush: true });
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
    if (won) await syncDir(dir).catch(() => undefined);
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
    await rm(this.abs(p), { force: true }).catch((error) => { throw ioError('delete', p, error); });
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
    await mkdir(path.dirname(target), { recursive: true });
    return target;
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
    throw new DeltaError('DELTA_UNSUPPORTED', `Only local tables are supported, not ${location}`, {
      context: { location },
    });
  }
  return new LocalStorage(location);
}
