// The `shori` command line (bin/shori.js launches it on Node >= 24). Exit codes: 0 success,
// 1 the operation failed or the table was refused (reason on stderr, with the ShoriError code),
// 2 usage error. stdout carries results only, so it can be piped (`shori delta cat t | jq`).
import { errorCode, describeError } from '../errors.ts';
import { deltaCommand, DELTA_USAGE } from './delta-commands.ts';
import { streamOutput, UsageError } from './output.ts';

const USAGE = `Usage: shori <area> <command> [options]

Areas:
  delta    inspect and maintain Delta tables (shori delta --help)

${DELTA_USAGE}`;

export async function main(argv: string[]): Promise<number> {
  const out = streamOutput(process.stdout);
  const [area, ...rest] = argv;
  try {
    if (area === undefined || area === 'help' || area === '--help' || area === '-h') {
      await out.write(USAGE);
      return area === undefined ? 2 : 0;
    }
    if (area === 'delta') return await deltaCommand(rest, out);
    throw new UsageError(`unknown area '${area}'`);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`shori: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    const code = errorCode(error) === null ? '' : `${errorCode(error)}: `;
    process.stderr.write(`shori: ${code}${describeError(error)}\n`);
    return 1;
  }
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // `shori delta cat t | head`: the reader went away; that is not a failure.
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
