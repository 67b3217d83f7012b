// A 1,000,000-row initial snapshot through the local stack (PostgreSQL + Debezium + Kafka) into a
// fresh lakehouse: prints the time, whether Silver equals the source exactly, and the service's peak
// RSS. Needs `scripts/stack.sh up` (SHORI_STACK_DIR); runs only when named. Prints; asserts nothing.
//
// Run: npm run bench -- snapshot [--rows=1000000]
import { runSnapshot } from '../test/kafka/snapshot-run.ts';

export const name = 'snapshot';
export const onlyWhenNamed = true;

export async function run(args: string[]): Promise<void> {
  const rows = Number(args.find((a) => a.startsWith('--rows='))?.slice(7) ?? 1_000_000);
  const result = await runSnapshot(rows, (line) => console.error(line));
  console.log(
    `snapshot: ${result.rows} rows in ${result.seconds.toFixed(0)} s (${Math.round(result.rows / result.seconds)} rows/s), ` +
      `Silver ${result.silverMd5 === result.sourceMd5 && result.silverRows === result.rows ? 'equals' : 'DIFFERS FROM'} the source, peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
  );
}
