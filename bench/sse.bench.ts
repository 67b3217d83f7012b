// SSE fan-out: how many messages per second the broadcaster delivers to N real clients over
// loopback HTTP (each reading as fast as it can), and what a client that never reads costs the others.
// Figures only; nothing is asserted.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Broadcaster } from '../src/sse/broadcaster.ts';

export const name = 'sse';

const PAYLOAD = {
  topic: 'shorisql_1.TicketsDb.dbo.Tickets',
  partition: 0,
  offset: 0,
  payload: { op: 'u', after: { TicketID: 1, Title: 'x'.repeat(300), EstimatedCost: 'AYag' } },
};

async function serve(broadcaster: Broadcaster): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    broadcaster.attach(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A raw client counting SSE messages (blank-line separated) as they arrive. */
function client(port: number, read = true): { count: () => number; close: () => void } {
  let messages = 0;
  let tail = '';
  const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  socket.setEncoding('utf8');
  if (read) {
    socket.on('data', (chunk: string) => {
      const text = tail + chunk;
      let i = -1;
      let from = 0;
      while ((i = text.indexOf('\n\n', from)) >= 0) {
        messages++;
        from = i + 2;
      }
      tail = text.slice(from);
    });
  } else socket.pause();
  socket.on('error', () => undefined);
  return { count: () => messages, close: () => socket.destroy() };
}

async function fanOut(clients: number, messages: number, slow: number): Promise<void> {
  const broadcaster = new Broadcaster({ queueSize: 1000, overflowLimit: 1_000_000 });
  const { server, port } = await serve(broadcaster);
  const readers = Array.from({ length: clients }, () => client(port));
  const slowOnes = Array.from({ length: slow }, () => client(port, false));
  while (broadcaster.clientCount < clients + slow) await new Promise((r) => setTimeout(r, 10));
  const started = performance.now();
  // Publish in bursts of 500, yielding to I/O between them as the UI tap does.
  for (let sent = 0; sent < messages; sent += 500) {
    for (let i = 0; i < 500; i++) broadcaster.publish('cdc_raw', { ...PAYLOAD, offset: sent + i });
    await new Promise((r) => setImmediate(r));
  }
  const deadline = Date.now() + 60_000;
  while (readers.some((r) => r.count() < messages) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - started) / 1000;
  const delivered = readers.reduce((s, r) => s + r.count(), 0);
  console.log(
    `${String(clients).padStart(4)} readers${slow ? ` + ${slow} never-reading` : ''}: ${messages} messages each in ${seconds.toFixed(2)} s → ` +
      `${Math.round(messages / seconds).toLocaleString('en')} msg/s per client, ${Math.round(delivered / seconds).toLocaleString('en')} msg/s in all; ` +
      `dropped ${broadcaster.dropped}; every reader got every message: ${readers.every((r) => r.count() === messages) ? 'yes' : 'NO'}`,
  );
  for (const c of [...readers, ...slowOnes]) c.close();
  broadcaster.closeAll();
  await new Promise((r) => server.close(r));
}

export async function run(args: string[]): Promise<void> {
  const messages = Number(args.find((a) => a.startsWith('--messages='))?.slice(11) ?? 20_000);
  console.log(`SSE fan-out over loopback, ${JSON.stringify(PAYLOAD).length}-byte cdc_raw payloads, queue 1000 per client`);
  for (const clients of [1, 10, 50]) await fanOut(clients, messages, 0);
  await fanOut(10, messages, 2);
}
