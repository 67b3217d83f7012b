// Parses the environment once, at start-up. A bad value stops the process with a message that names
// the variable, the value given and what is allowed.
import { configSchema, SECRET_KEYS, type Config } from './schema.ts';
import { ShoriError } from '../errors.ts';

export type { Config } from './schema.ts';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    // An empty string means "not set" for optional knobs, as docker-compose and .env files write it.
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '?');
    const given = SECRET_KEYS.has(key) ? '<secret>' : JSON.stringify(input[key]);
    return `${key}=${given}: ${issue.message}`;
  });
  throw new ShoriError('SHORI_CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, {
    context: { problems },
  });
}

/**
 * Credentials inside connection URLs and strings, masked: `//user:***@`, `Password=***`, Azure
 * `AccountKey=***` / `SharedAccessSignature=***`, and signed-URL parameters (`sig=***`, `X-Amz-Signature=***`).
 */
export function redactCredentials(text: string): string {
  return text.replace(/(\/\/[^:/@\s]+:)[^@\s]*@/g, '$1***@')
    .replace(/((?:password|pwd|accountkey|sharedaccesssignature)\s*=\s*)[^;|]*/gi, '$1***')
    .replace(/([?&](?:sig|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&\s]*/gi, '$1***');
}

/** The knobs as shown by /api/health and the start-up log: every value, secrets left out or masked. */
export function publicKnobs(config: Config): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(config)) {
    if (SECRET_KEYS.has(key)) continue;
    const shown = Array.isArray(value) ? value.join(',') : (value as string | number | boolean);
    out[key] = typeof shown === 'string' ? redactCredentials(shown) : shown;
  }
  return out;
}
