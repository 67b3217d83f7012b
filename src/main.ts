// Entry point: parse configuration (a bad value exits non-zero with a clear message), start the
// service, stop cleanly on SIGINT/SIGTERM and exit 0.
import { loadConfig } from './config/index.ts';
import { loadTablesConfig } from './config/tables-config.ts';
import { createLogger } from './log/logger.ts';
import { startService } from './service.ts';
import { parseLakeUri } from './lakehouse/lake/lake-uri.ts';
import { describeError, isShoriError } from './errors.ts';

let config;
try {
  config = loadConfig();
  loadTablesConfig(config.TABLES_CONFIG); // validated at start-up: a bad file stops here
  parseLakeUri(config.LAKE_URI, config.DATA_DIR); // likewise a LAKE_URI that is not a lake location
} catch (error) {
  process.stderr.write(`shori-realtime: ${isShoriError(error) ? error.message : describeError(error)}\n`);
  process.exit(2);
}

const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
try {
  const service = await startService(config, logger);
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: describeError(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  logger.error({ err: describeError(error) }, 'start-up failed');
  process.exit(isShoriError(error, 'SHORI_CONFIG_INVALID') ? 2 : 1);
}
