// ObjectStoreClient on Amazon S3 and S3-compatible stores (@aws-sdk/client-s3). The put-if-absent
// of a Delta commit is PutObject with `If-None-Match: *` (S3 conditional writes): 412 means the
// key exists; 409 means a concurrent conditional write to the key is in flight, which S3 asks the
// caller to retry, after which the loser sees 412. Request checksums are sent only when an
// operation requires them, since S3-compatible servers differ in their support for the SDK's
// default streaming (aws-chunked) trailers.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { storeError, type ObjectInfo, type ObjectStoreClient } from './object-store.ts';

export interface S3StoreOptions {
  bucket: string;
  /**
   * Client settings (region, endpoint, forcePathStyle, credentials). Left out, the SDK's standard
   * chain applies: AWS_* environment variables, shared config and credentials files (AWS_PROFILE),
   * SSO, web identity, container and instance metadata; AWS_ENDPOINT_URL(_S3) sets the endpoint.
   */
  client?: S3ClientConfig;
  /**
   * The region when neither `client.region`, AWS_REGION/AWS_DEFAULT_REGION nor the profile's
   * config (`client.profile`, else AWS_PROFILE) gives one. S3-compatible servers ignore the region,
   * but the SDK does not sign a request without one.
   */
  fallbackRegion?: string;
}

/** The region the SDK finds (environment variables, then the profile's config), else `fallback`; looked up once. */
function regionOr(fallback: string, profile: string | undefined): () => Promise<string> {
  let resolved: Promise<string> | undefined;
  return () =>
    (resolved ??= (async () => {
      const probe = new S3Client(profile ? { profile } : {});
      try {
        return await probe.config.region();
      } catch {
        return fallback;
      } finally {
        probe.destroy();
      }
    })());
}

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isMissing(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return status(error) === 404 || name === 'NoSuchKey' || name === 'NotFound';
}

export class S3ObjectStore implements ObjectStoreClient {
  readonly kind = 's3';
  readonly uriPrefix: string;
  readonly #bucket: string;
  readonly #s3: S3Client;

  constructor(options: S3StoreOptions) {
    this.#bucket = options.bucket;
    this.uriPrefix = `s3://${options.bucket}/`;
    const config: S3ClientConfig = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', ...options.client };
    if (config.region === undefined && options.fallbackRegion) config.region = regionOr(options.fallbackRegion, config.profile);
    this.#s3 = new S3Client(config);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return await out.Body!.transformToByteArray();
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeError(this.kind, 'get', key, error);
    }
  }

  async download(key: string, file: string): Promise<boolean> {
    try {
      const out = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      await pipeline(out.Body as Readable, createWriteStream(file));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw storeError(this.kind, 'download', key, error);
    }
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    try {
      await this.#s3.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: data }));
    } catch (error) {
      throw storeError(this.kind, 'put', key, error);
    }
  }

  async upload(key: string, file: string): Promise<void> {
    try {
      const { size } = await stat(file);
      await this.#s3.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: createReadStream(file), ContentLength: size }));
    } catch (error) {
      throw storeError(this.kind, 'upload', key, error);
    }
  }

  async putIfAbsent(key: string, data: Uint8Array | string): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#s3.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: data, IfNoneMatch: '*' }));
        return true;
      } catch (error) {
        if (status(error) === 412) return false;
        if (status(error) === 409 && attempt < 10) {
          await sleep(20 * (attempt + 1));
          continue;
        }
        throw storeError(this.kind, 'putIfAbsent', key, error);
      }
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.#s3.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return { key, size: Number(out.ContentLength ?? 0), lastModified: out.LastModified?.getTime() ?? 0 };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storeError(this.kind, 'head', key, error);
    }
  }

  async list(prefix: string, recursive: boolean): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.#s3.send(
          new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token, Delimiter: recursive ? undefined : '/' }),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined || o.Key.endsWith('/')) continue; // folder markers some tools create
          out.push({ key: o.Key, size: Number(o.Size ?? 0), lastModified: o.LastModified?.getTime() ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw storeError(this.kind, 'list', prefix, error);
    }
    return out;
  }

  async listFolders(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.#s3.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
        for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix.slice(prefix.length).replace(/\/$/, ''));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw storeError(this.kind, 'list', prefix, error);
    }
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    try {
      await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (error) {
      if (isMissing(error)) return;
      throw storeError(this.kind, 'delete', key, error);
    }
  }

  /** Close the client's sockets. */
  destroy(): void {
    this.#s3.destroy();
  }
}
