// Child-process management for bench/run.ts: servers started as `node --import tsx <script>`, so the
// child's pid is the server itself (its /proc/<pid>/status is the server's memory).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Server {
  name: string;
  origin: string; // http://127.0.0.1:<port>
  pid: number;
  child: ChildProcess;
  tail: () => string;
  stop: () => Promise<void>;
}

export interface StartOptions {
  name: string;
  script: string; // relative to the repository root
  env: Record<string, string>;
  readyPath: string; // GET answering 200 once the server can take load
  timeoutMs?: number;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

/** Resident memory of a process in MB, from /proc (Linux); null if it is gone. */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (Linux); null if it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th, in clock ticks (100/s).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The local database server's pid (mariadbd or mysqld), or null when it runs elsewhere. */
export function databasePid(): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'mariadbd' || comm === 'mysqld') return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

export async function startServer(opts: StartOptions): Promise<Server> {
  if (!existsSync(resolve(ROOT, opts.script))) throw new Error(`${opts.name}: ${opts.script} does not exist`);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', opts.script], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', ...opts.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = `exited (code ${code}, signal ${signal})`));
  child.on('error', (err) => (exited = `failed to spawn: ${err.message}`));

  const tail = (): string => lines.map((l) => `    | ${l}`).join('\n');
  const stop = async (): Promise<void> => {
    if (exited !== null || child.exitCode !== null) return;
    child.kill('SIGTERM');
    for (let i = 0; i < 50 && child.exitCode === null && child.signalCode === null; i++) await sleep(100);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited !== null) throw new Error(`${opts.name} (${opts.script}) ${exited} before it was ready; its output:\n${tail()}`);
    try {
      const res = await fetch(origin + opts.readyPath, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${opts.name} (${opts.script}) not ready on ${origin}${opts.readyPath} after ${(opts.timeoutMs ?? 60_000) / 1000} s; its output:\n${tail()}`);
    }
    await sleep(200);
  }
  return { name: opts.name, origin, pid: child.pid ?? -1, child, tail, stop };
}
