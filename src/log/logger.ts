// Structured logs: JSON lines in production (or when stdout is not a terminal), readable lines in a
// terminal. Secrets never reach a log line: the config is logged through publicKnobs() only.
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(options: { level: string; format: 'json' | 'pretty' | 'auto'; name?: string }): Logger {
  const pretty = options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY && process.env.NODE_ENV !== 'production');
  return pino({
    name: options.name ?? 'shori',
    level: options.level,
    redact: { paths: ['password', '*.password', 'SQLSERVER_SA_PASSWORD', '*.SQLSERVER_SA_PASSWORD'], censor: '<secret>' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  });
}
