// Runs the real service as a child process for integration tests: a temporary DATA_DIR, a free port,
// helpers to wait on /api/health, read SSE, and kill or stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { HealthResponse, SseEnvelope } from '../../src/contracts/api.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function tempDataDir(prefix = 'shori-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export interface ServiceProcess {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  health: () => Promise<HealthResponse>;
  /** SIGTERM and wait; resolves with the exit code. */
  stop: () => Promise<number | null>;
  /** SIGKILL and wait. */
  kill: () => Promise<void>;
}

/** `options.unset`: variables of the test's own environment the service must not inherit. */
export async function startService(env: Record<string, string>, options: { dataDir?: string; port?: number; unset?: string[] } = {}): Promise<ServiceProcess> {
  const dataDir = options.dataDir ?? tempDataDir();
  const port = options.port ?? (await freePort());
  const inherited = { ...process.env };
  for (const name of options.unset ?? []) delete inherited[name];
  const child = spawn(process.execPath, [join(REPO, 'src/main.ts')], {
    cwd: REPO,
    // MALLOC_ARENA_MAX as `npm start` sets it (scripts/start.sh), so memory is measured as users run it.
    env: { MALLOC_ARENA_MAX: '2', ...inherited, LOG_FORMAT: 'json', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    url,
    port,
    dataDir,
    child,
    output: () => out,
    health: async () => (await (await fetch(`${url}/api/health`)).json()) as HealthResponse,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  // A service that exits at start-up fails this at once, with its output (not after the timeout).
  const answered = await waitFor(
    'the service to answer /api/health',
    async () => (child.exitCode !== null || child.signalCode !== null ? 'exited' : (await fetch(`${url}/api/health`)).ok && 'up'),
    60_000,
  ).catch((error) => {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- service output ---\n${out}`);
  });
  if (answered === 'exited') {
    await closed;
    throw new Error(`service exited with ${child.exitCode ?? child.signalCode} at start-up:\n${out}`);
  }
  return service;
}

/**
 * Runs the generator CLI to completion and returns its counts. Tickets only unless the arguments say
 * `--related F`: the counts of tickets' events are then exact, which tests compare with Bronze.
 */
export async function generate(
  dataDir: string,
  args: string[],
): Promise<{ operations: number; inserts: number; updates: number; deletes: number; keyChanges: number; related: number }> {
  const related = args.includes('--related') ? [] : ['--related', '0'];
  const child = spawn(process.execPath, [join(REPO, 'src/generator/cli.ts'), '--json', ...related, ...args], {
    cwd: REPO,
    env: { ...process.env, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`generator exited with ${code}: ${out}`);
  const line = out.trim().split('\n').pop()!;
  return JSON.parse(line);
}

/** A reading SSE client: collects every envelope it receives. */
export class SseCollector {
  readonly events: SseEnvelope[] = [];
  readonly raw: string[] = [];
  readonly #controller = new AbortController();
  readonly done: Promise<void>;
  closedByServer = false;

  constructor(url: string) {
    this.done = this.#run(url);
  }

  async #run(url: string): Promise<void> {
    try {
      const response = await fetch(`${url}/api/stream`, { signal: this.#controller.signal });
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let index;
        while ((index = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, index);
          buffer = buffer.slice(index + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (!data) continue;
          this.raw.push(block);
          this.events.push(JSON.parse(data) as SseEnvelope);
        }
      }
      this.closedByServer = true;
    } catch (error) {
      if ((error as Error).name !== 'AbortError') this.closedByServer = true;
    }
  }

  ofType<T extends SseEnvelope['type']>(type: T): Array<SseEnvelope<T>> {
    return this.events.filter((e) => e.type === type) as Array<SseEnvelope<T>>;
  }

  close(): void {
    this.#controller.abort();
  }
}
