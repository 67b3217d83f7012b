// Builds the object-store client for a lake location, with credentials from each ecosystem's
// standard places (nothing here reads a secret into a knob, a log line or an error):
// - S3: the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN,
//   AWS_PROFILE with the shared config and credentials files, SSO, web identity, container and
//   instance roles); region from AWS_REGION / AWS_DEFAULT_REGION / the profile; an S3-compatible
//   store through AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (path-style addressing then, by default).
// - Azure: AZURE_STORAGE_CONNECTION_STRING, else AZURE_STORAGE_ACCOUNT (or the account of an
//   abfss:// URI) with AZURE_STORAGE_KEY (or AZURE_STORAGE_ACCOUNT_KEY).
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AzureBlobObjectStore, S3ObjectStore, type ObjectStoreClient } from '@shori/delta';
import { ShoriError } from '../../errors.ts';
import type { LakeLocation } from './lake-uri.ts';

export type PathStyle = 'auto' | 'true' | 'false';

export function s3Client(location: { bucket: string }, env: NodeJS.ProcessEnv, pathStyle: PathStyle = 'auto'): S3ObjectStore {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  return new S3ObjectStore({
    bucket: location.bucket,
    client: {
      ...(endpoint ? { endpoint } : {}),
      // No region anywhere (no variable, no profile): S3-compatible servers ignore it; AWS redirects.
      region: region ?? (endpoint ? 'us-east-1' : undefined),
      forcePathStyle: pathStyle === 'auto' ? endpoint !== undefined : pathStyle === 'true',
      // Given explicitly only when `env` has them (it may not be process.env); else the SDK's chain.
      ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? {
            credentials: {
              accessKeyId: env.AWS_ACCESS_KEY_ID,
              secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
              ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
            },
          }
        : {}),
    },
  });
}

export function azureClient(location: { container: string; account?: string; scheme: 'az' | 'abfss' }, env: NodeJS.ProcessEnv): AzureBlobObjectStore {
  const connectionString = env.AZURE_STORAGE_CONNECTION_STRING;
  const account = location.account ?? env.AZURE_STORAGE_ACCOUNT ?? env.AZURE_STORAGE_ACCOUNT_NAME;
  const key = env.AZURE_STORAGE_KEY ?? env.AZURE_STORAGE_ACCOUNT_KEY;
  let service: BlobServiceClient;
  if (connectionString) {
    try {
      service = BlobServiceClient.fromConnectionString(connectionString);
    } catch {
      // The SDK's message may quote the string: say only which variable is wrong.
      throw new ShoriError('SHORI_CONFIG_INVALID', 'AZURE_STORAGE_CONNECTION_STRING is not a valid Azure Storage connection string', {
        context: { variable: 'AZURE_STORAGE_CONNECTION_STRING' },
      });
    }
  } else if (account && key) {
    service = new BlobServiceClient(`https://${account}.blob.core.windows.net`, new StorageSharedKeyCredential(account, key));
  } else {
    throw new ShoriError(
      'SHORI_CONFIG_INVALID',
      'An az:// or abfss:// lake needs Azure credentials: AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT (or the account in the abfss:// URI) with AZURE_STORAGE_KEY',
      { context: { knob: 'LAKE_URI' } },
    );
  }
  const uriPrefix = location.scheme === 'abfss' ? `abfss://${location.container}@${location.account}.dfs.core.windows.net/` : `az://${location.container}/`;
  return new AzureBlobObjectStore({ container: location.container, service, uriPrefix });
}

export function storeClient(location: Exclude<LakeLocation, { kind: 'local' }>, env: NodeJS.ProcessEnv, pathStyle: PathStyle = 'auto'): ObjectStoreClient {
  return location.kind === 's3' ? s3Client(location, env, pathStyle) : azureClient(location, env);
}
