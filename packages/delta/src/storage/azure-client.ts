// ObjectStoreClient on Azure Blob Storage and ADLS Gen2 (through its Blob endpoint), with
// @azure/storage-blob. Put-if-absent is a block blob upload with `If-None-Match: *`: 409
// BlobAlreadyExists (or 412 ConditionNotMet) means the blob exists. Listing without recursion is
// the hierarchy listing with '/' as delimiter; blob prefixes (virtual folders) are left out.
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { storeError, type ObjectInfo, type ObjectStoreClient } from './object-store.ts';

export interface AzureStoreOptions {
  container: string;
  /** The service client, built by the caller from a connection string or an account key. */
  service: BlobServiceClient;
  /** URI scheme shown in locations: 'az' (default) or 'abfss'. */
  uriPrefix?: string;
}

function status(error: unknown): number | undefined {
  return (error as { statusCode?: number })?.statusCode;
}

export class AzureBlobObjectStore implements ObjectStoreClient {
  readonly kind = 'azure';
  readonly uriPrefix: string;
  readonly #container: ContainerClient;

  constructor(options: AzureStoreOptions) {
    this.#container = options.service.getContainerClient(options.container);
    this.uriPrefix = options.uriPrefix ?? `az://${options.container}/`;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await this.#container.getBlobClient(key).downloadToBuffer();
    } catch (error) {
      if (status(error) === 404) return undefined;
      throw storeError(this.kind, 'get', key, error);
    }
  }

  async download(key: string, file: string): Promise<boolean> {
    try {
      await this.#container.getBlobClient(key).downloadToFile(file);
      return true;
    } catch (error) {
      if (status(error) === 404) return false;
      throw storeError(this.kind, 'download', key, error);
    }
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      await this.#container.getBlockBlobClient(key).upload(body, body.byteLength);
    } catch (error) {
      throw storeError(this.kind, 'put', key, error);
    }
  }

  async upload(key: string, file: string): Promise<void> {
    try {
      await this.#container.getBlockBlobClient(key).uploadFile(file);
    } catch (error) {
      throw storeError(this.kind, 'upload', key, error);
    }
  }

  async putIfAbsent(key: string, data: Uint8Array | string): Promise<boolean> {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      await this.#container.getBlockBlobClient(key).upload(body, body.byteLength, { conditions: { ifNoneMatch: '*' } });
      return true;
    } catch (error) {
      if (status(error) === 409 || status(error) === 412) return false;
      throw storeError(this.kind, 'putIfAbsent', key, error);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const p = await this.#container.getBlobClient(key).getProperties();
      return { key, size: Number(p.contentLength ?? 0), lastModified: p.lastModified?.getTime() ?? 0 };
    } catch (error) {
      if (status(error) === 404) return undefined;
      throw storeError(this.kind, 'head', key, error);
    }
  }

  async list(prefix: string, recursive: boolean): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    try {
      const items = recursive ? this.#container.listBlobsFlat({ prefix }) : this.#container.listBlobsByHierarchy('/', { prefix });
      for await (const item of items) {
        if ('kind' in item && item.kind === 'prefix') continue;
        const blob = item as { name: string; properties: { contentLength?: number; lastModified?: Date } };
        if (blob.name.endsWith('/')) continue;
        out.push({ key: blob.name, size: Number(blob.properties.contentLength ?? 0), lastModified: blob.properties.lastModified?.getTime() ?? 0 });
      }
    } catch (error) {
      if (status(error) === 404) return out;
      throw storeError(this.kind, 'list', prefix, error);
    }
    return out;
  }

  async listFolders(prefix: string): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const item of this.#container.listBlobsByHierarchy('/', { prefix })) {
        if (item.kind === 'prefix') out.push(item.name.slice(prefix.length).replace(/\/$/, ''));
      }
    } catch (error) {
      if (status(error) === 404) return out;
      throw storeError(this.kind, 'list', prefix, error);
    }
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    try {
      await this.#container.getBlobClient(key).deleteIfExists();
    } catch (error) {
      throw storeError(this.kind, 'delete', key, error);
    }
  }
}
