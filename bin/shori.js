#!/usr/bin/env node
// Launcher of the `shori` CLI (package.json "bin"). The CLI is TypeScript run by Node >= 24's type
// stripping: on such a Node it is imported in-process; on an older Node (the system Node 20 here)
// it is re-executed under the Node 24 that scripts/node-env.sh provides (installed from npm into
// .tools/node24 on first use), with the same arguments, stdio and exit status.
// Plain JavaScript on purpose: it must parse on old Node versions too.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(realpathSync(fileURLToPath(import.meta.url))), '..');
const entry = path.join(repo, 'src', 'cli', 'shori.ts');
const args = process.argv.slice(2);

if (Number(process.versions.node.split('.')[0]) >= 24) {
  const { main } = await import(pathToFileURL(entry).href);
  process.exitCode = await main(args);
} else {
  const result = spawnSync('bash', ['-c', 'source "$0/scripts/node-env.sh" && exec node "$0/src/cli/shori.ts" "$@"', repo, ...args], { stdio: 'inherit' });
  if (result.error) {
    process.stderr.write(`shori: cannot start Node 24: ${result.error.message}\n`);
    process.exit(1);
  }
  if (result.signal) process.kill(process.pid, result.signal);
  process.exit(result.status ?? 1);
}
