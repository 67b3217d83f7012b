// Start-up check that a store honours put-if-absent (`If-None-Match: *`). Delta's commit protocol
// rests on it: a store that ignores the header lets two writers both "win" one version and one
// commit silently replaces the other. The probe creates a fresh key, then creates it again: the
// second create must be refused and the first content must still be there. Either failing, the
// store is refused with a message saying so; the probe object is deleted afterwards either way.
import { randomUUID } from 'node:crypto';
import { DeltaError } from '../errors.ts';
import type { ObjectStoreClient } from './object-store.ts';

export async function probePutIfAbsent(client: ObjectStoreClient, prefix: string): Promise<void> {
  const key = `${prefix ? `${prefix.replace(/\/+$/, '')}/` : ''}_shori_probe/${randomUUID()}`;
  const where = `${client.uriPrefix}${key}`;
  try {
    if (!(await client.putIfAbsent(key, 'first'))) {
      throw new DeltaError('DELTA_UNSUPPORTED', `The store refused to create the fresh object ${where}: put-if-absent does not work there`, {
        context: { store: client.kind, key },
      });
    }
    const second = await client.putIfAbsent(key, 'second');
    const bytes = await client.get(key);
    const kept = bytes !== undefined && Buffer.from(bytes).toString() === 'first';
    if (second || !kept) {
      throw new DeltaError(
        'DELTA_UNSUPPORTED',
        `The store at ${client.uriPrefix} ignores conditional writes (If-None-Match: *): a second create of ${key} ${second ? 'succeeded' : 'was refused'} and the object ${kept ? 'kept' : 'lost'} its first content. ` +
          'Delta commits would not be atomic there (two writers could both commit one version), so the lake is refused. ' +
          'Help: use a store with S3 conditional writes (AWS S3 since 2024, or an S3-compatible server that supports If-None-Match on PutObject), or remove the proxy that strips the header.',
        { context: { store: client.kind, key, secondCreateSucceeded: second, firstContentKept: kept } },
      );
    }
  } finally {
    await client.delete(key).catch(() => undefined);
  }
}
