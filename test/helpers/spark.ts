// One long-running Apache Spark + Delta Lake session (test/interop/spark_tool.py, local[1]) per
// test file: commands go in as JSON lines, answers come back as JSON lines. Spark and delta-spark
// are installed by scripts/ensure-python-deps.sh --spark; without them the caller skips, except
// under CI=true where their absence is a failure.
import { spawn, execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOOL = path.join(repo, 'test/interop/spark_tool.py');

export interface CanonicalRows {
  columns: string[];
  rows: string[];
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export class Spark {
  readonly version: string;
  #child: ChildProcessWithoutNullStreams;
  #next = 1;
  #waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  #stderr: string[] = [];

  private constructor(child: ChildProcessWithoutNullStreams, version: string) {
    this.#child = child;
    this.version = version;
  }

  /** Starts Spark (10-60 s), or returns undefined when it is not installable here (never under CI). */
  static async start(): Promise<Spark | undefined> {
    let python: string;
    try {
      const { stdout } = await run('bash', [path.join(repo, 'scripts/ensure-python-deps.sh'), '--spark'], { timeout: 1_800_000 });
      python = stdout.trim().split('\n').pop()!;
    } catch (error) {
      if (process.env.CI === 'true') throw error;
      return undefined;
    }
    const child = spawn(python, [TOOL], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYSPARK_PYTHON: python, SPARK_LOCAL_IP: '127.0.0.1' } });
    const stderr: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk.toString());
      if (stderr.length > 200) stderr.shift();
    });
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<Reply>((resolve, reject) => {
      lines.once('line', (line) => resolve(JSON.parse(line) as Reply));
      child.once('exit', (code) => reject(new Error(`Spark exited (${code}) before it was ready: ${stderr.join('').slice(-3000)}`)));
    });
    const spark = new Spark(child, (first.result as { spark: string }).spark);
    spark.#stderr = stderr;
    lines.on('line', (line) => spark.#onLine(line));
    child.on('exit', () => {
      for (const w of spark.#waiting.values()) w.reject(new Error(`Spark exited: ${stderr.join('').slice(-3000)}`));
      spark.#waiting.clear();
    });
    return spark;
  }

  #onLine(line: string): void {
    const reply = JSON.parse(line) as Reply;
    const waiter = this.#waiting.get(reply.id);
    if (!waiter) return;
    this.#waiting.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new Error(`Spark: ${reply.error}`));
  }

  send<T>(command: Record<string, unknown>): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.#child.stdin.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }

  sql<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    return this.send({ op: 'sql', sql });
  }
  read(path: string, at: { version?: number; timestamp?: string } = {}): Promise<CanonicalRows> {
    return this.send({ op: 'read', path, ...at });
  }
  changes(path: string, start: number, end?: number): Promise<CanonicalRows> {
    return this.send({ op: 'changes', path, start, ...(end === undefined ? {} : { end }) });
  }
  stream(path: string, cdf = false): Promise<CanonicalRows> {
    return this.send({ op: 'stream', path, cdf });
  }
  /** Runs Python with `spark`, `F` and `vars` in scope; answers its `result`. */
  exec<T = unknown>(code: string, vars: Record<string, unknown> = {}): Promise<T> {
    return this.send({ op: 'exec', code, vars });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }
}
