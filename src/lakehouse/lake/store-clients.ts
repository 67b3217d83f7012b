// Builds the object-store client for a lake location, with credentials from each ecosystem's
// standard places (nothing here reads a secret into a knob, a log line or an error):
// - S3: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) when set (they win over a
//   profile, as in the AWS CLI and boto3); else the AWS SDK's default chain with the profile
//   AWS_PROFILE (shared config and credentials files, SSO, web identity, container and instance
//   roles). The profile name is taken from `env` (it may not be process.env) and given to the SDK
//   as the client's `profile`; the shared files are read where the SDK looks for them: the
//   process's AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else ~/.aws/ (an `env` naming other
//   files is refused rather than silently not read). Region: AWS_REGION / AWS_DEFAULT_REGION, else
//   the profile's; with an endpoint override (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, an
//   S3-compatible store, path-style addressing by default) and no region anywhere, us-east-1.
// - Azure: AZURE_STORAGE_CONNECTION_STRING (its BlobEndpoint, if any, is where requests go: Azurite,
//   private endpoints, other clouds), else AZURE_STORAGE_ACCOUNT (or the account of an abfss://
//   URI) with AZURE_STORAGE_KEY (or AZURE_STORAGE_ACCOUNT_KEY) at https://<account>.blob.core.windows.net.
//   An abfss:// URI whose account differs from the connection string's is refused.
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AzureBlobObjectStore, S3ObjectStore, type ObjectStoreClient } from '@shori/delta';
import { ShoriError } from '../../errors.ts';
import type { LakeLocation } from './lake-uri.ts';

export type PathStyle = 'auto' | 'true' | 'false';

const SHARED_FILES = ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE'] as const;

export function s3Client(location: { bucket: string }, env: NodeJS.ProcessEnv, pathStyle: PathStyle = 'auto'): S3ObjectStore {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  const profile = env.AWS_PROFILE || undefined;
  for (const variable of SHARED_FILES) {
    if (env[variable] && env[variable] !== process.env[variable]) {
      throw new ShoriError('SHORI_CONFIG_INVALID', `${variable} is read from the process environment only: set it there`, { context: { variable } });
    }
  }
  return new S3ObjectStore({
    bucket: location.bucket,
    // No region anywhere (no variable, no profile): S3-compatible servers ignore it; AWS redirects.
    ...(endpoint ? { fallbackRegion: 'us-east-1' } : {}),
    client: {
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
      ...(profile ? { profile } : {}),
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
    checkAccount(location, /(?:^|;)\s*AccountName=([^;]+)/i.exec(connectionString)?.[1]?.trim());
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

/** An abfss:// URI names its account: a connection string for another account would write elsewhere. */
function checkAccount(location: { account?: string; scheme: 'az' | 'abfss' }, connected: string | undefined): void {
  if (location.scheme !== 'abfss' || !location.account || !connected || connected.toLowerCase() === location.account) return;
  throw new ShoriError(
    'SHORI_CONFIG_INVALID',
    `LAKE_URI names the storage account '${location.account}' but AZURE_STORAGE_CONNECTION_STRING is for the account '${connected}': use one account`,
    { context: { knob: 'LAKE_URI', variable: 'AZURE_STORAGE_CONNECTION_STRING' } },
  );
}

/** Where the credentials of a lake come from, for messages (names of variables and profiles, never a value). */
export function credentialSource(location: Exclude<LakeLocation, { kind: 'local' }>, env: NodeJS.ProcessEnv): string {
  if (location.kind === 's3') {
    if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return 'the credentials of AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY';
    if (env.AWS_PROFILE) {
      const files = `${process.env.AWS_SHARED_CREDENTIALS_FILE || '~/.aws/credentials'}, ${process.env.AWS_CONFIG_FILE || '~/.aws/config'}`;
      return `the credentials of the AWS profile '${env.AWS_PROFILE}' (AWS_PROFILE; shared files ${files})`;
    }
    return "the AWS SDK's default credential chain (no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, no AWS_PROFILE)";
  }
  if (env.AZURE_STORAGE_CONNECTION_STRING) return 'the credentials of AZURE_STORAGE_CONNECTION_STRING';
  return `the key of AZURE_STORAGE_KEY for the account '${location.account ?? env.AZURE_STORAGE_ACCOUNT ?? env.AZURE_STORAGE_ACCOUNT_NAME}'`;
}

export function storeClient(location: Exclude<LakeLocation, { kind: 'local' }>, env: NodeJS.ProcessEnv, pathStyle: PathStyle = 'auto'): ObjectStoreClient {
  return location.kind === 's3' ? s3Client(location, env, pathStyle) : azureClient(location, env);
}
