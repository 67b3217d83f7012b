// Debezium decoding throughput (decodeMessage), one core: messages/s and MB/s (key + value bytes)
// for the embedded default's envelope (as encodeValue writes it) and the shared fixtures (SQL Server
// with and without the schema envelope, PostgreSQL, MySQL). Prints figures; asserts nothing.
// Run: npm run bench -- decode   (or: node bench/decode.bench.ts [--ms=1500])
import { decodeMessage } from '../src/sources/debezium/decode.ts';
import { FIXTURES_SKIP, loadFixture } from '../src/sources/debezium/test-fixtures.ts';
import { encodeKey, encodeValue } from '../src/sources/embedded/debezium-envelope.ts';
import type { TicketRow } from '../src/sources/embedded/tickets-schema.ts';

export const name = 'decode';

interface Case {
  label: string;
  messages: Array<{ key: Buffer; value: Buffer }>;
}

function ticket(id: number): TicketRow {
  return {
    TicketID: id,
    Title: `Printer on floor ${id % 9} jams`,
    Description: id % 3 === 0 ? null : 'Paper jam after every second page; replaced the tray once.',
    Status: 'Open',
    Priority: 'High',
    Category: 'Hardware',
    CustomerID: 1000 + (id % 500),
    AssignedTo: id % 2 === 0 ? 'alice' : null,
    EstimatedCost: `${(id * 37) % 100000}.${String(id % 100).padStart(2, '0')}`,
    CreatedAt: '2026-11-24T08:00:00.123456Z',
    UpdatedAt: '2026-11-24T09:30:00.654321Z',
    ResolvedAt: id % 4 === 0 ? '2026-11-25T10:00:00.000001Z' : null,
  } as TicketRow;
}

function embeddedCase(count: number): Case {
  const messages = [];
  for (let i = 1; i <= count; i++) {
    const op = i % 3 === 0 ? 'u' : 'c';
    const row = ticket(i);
    messages.push({
      key: encodeKey('bench', i),
      value: encodeValue({
        source: 'bench',
        op,
        before: op === 'u' ? row : null,
        after: row,
        position: i,
        lsn: i,
        eventSerialNo: 1,
        commitTsMs: 1_764_000_000_000 + i,
      }),
    });
  }
  return { label: 'embedded envelope (schema, c/u)', messages };
}

function fixtureCase(label: string, file: string): Case {
  const f = loadFixture(file);
  return { label, messages: [{ key: Buffer.from(f.key ?? ''), value: Buffer.from(f.value ?? '') }] };
}

export function decodeCases(): Case[] {
  // Without ../shared (a user's clone) only the embedded envelope is measured.
  if (FIXTURES_SKIP) return [embeddedCase(1000)];
  return [
    embeddedCase(1000),
    fixtureCase('sqlserver create, schema+payload', 'sqlserver/v3-create-schema-payload.json'),
    fixtureCase('sqlserver create, no schema', 'sqlserver/v3-create-no-schema.json'),
    fixtureCase('sqlserver update, schema+payload', 'sqlserver/v3-update-schema-payload.json'),
    fixtureCase('sqlserver temporal, schema+payload', 'sqlserver/v3-types-temporal-adaptive-schema-payload.json'),
    fixtureCase('sqlserver decimal, schema+payload', 'sqlserver/v3-types-decimal-precise-schema-payload.json'),
    fixtureCase('postgresql create, schema+payload', 'postgresql/doc-create-schema-payload.json'),
    fixtureCase('mysql create, schema+payload', 'mysql/doc-create-schema-payload.json'),
    fixtureCase('mysql create, no schema', 'mysql/test-serde-create-no-schema.json'),
  ];
}

function measure(c: Case, ms: number): { msgsPerSec: number; mbPerSec: number; avgBytes: number } {
  const bytes = c.messages.reduce((n, m) => n + m.key.length + m.value.length, 0) / c.messages.length;
  let failures = 0;
  const pass = (n: number) => {
    for (let i = 0; i < n; i++) {
      const m = c.messages[i % c.messages.length];
      // Fresh string per call as a Kafka/feed consumer would hand over bytes: decode from Buffers.
      if (!decodeMessage(m.key, m.value).ok) failures++;
    }
  };
  pass(2000); // warm-up
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    pass(500);
    count += 500;
    elapsed = performance.now() - started;
  }
  if (failures > 0) console.warn(`  ! ${c.label}: ${failures} messages failed to decode`);
  const msgsPerSec = (count / elapsed) * 1000;
  return { msgsPerSec, mbPerSec: (msgsPerSec * bytes) / 1e6, avgBytes: bytes };
}

export async function run(args: string[]): Promise<void> {
  const msArg = args.find((a) => a.startsWith('--ms='));
  const ms = msArg ? Number(msArg.slice(5)) : 1500;
  console.log(`decodeMessage throughput, one core, ${ms} ms per case (node ${process.version})`);
  console.log(`${'case'.padEnd(38)} ${'bytes/msg'.padStart(9)} ${'msgs/s'.padStart(10)} ${'MB/s'.padStart(7)}`);
  for (const c of decodeCases()) {
    const r = measure(c, ms);
    console.log(
      `${c.label.padEnd(38)} ${r.avgBytes.toFixed(0).padStart(9)} ${Math.round(r.msgsPerSec).toLocaleString('en-US').padStart(10)} ${r.mbPerSec.toFixed(1).padStart(7)}`,
    );
  }
}

export default { name, run };

if (import.meta.main) await run(process.argv.slice(2));
