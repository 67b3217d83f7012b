// Parses the environment once, at start-up. A bad value stops the process with a message that names
// the variable, the value given and what is allowed.
import { configSchema, listSeparator, SECRET_KEYS, type Config, type ConfigKey } from './schema.ts';
import { redactCredentials } from './redact.ts';
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
  throw new ShoriError('SHORI_CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, { context: { problems } });
}

export { redactCredentials } from './redact.ts';

/**
 * The knobs as shown by /api/health and the start-up log: every value, secrets left out, credentials
 * inside connection strings masked (each list item on its own), lists joined with their own separator.
 */
export function publicKnobs(config: Config): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(config)) {
    if (SECRET_KEYS.has(key)) continue;
    if (Array.isArray(value)) {
      out[key] = value.map((item: string) => redactCredentials(item)).join(listSeparator(key as ConfigKey) ?? ',');
    } else {
      out[key] = typeof value === 'string' ? redactCredentials(value) : (value as number | boolean);
    }
  }
  return out;
}
