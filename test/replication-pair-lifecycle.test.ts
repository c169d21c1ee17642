// The replica pair's life around the tests: pairs started side by side never
// share a port, socket or directory; a port taken before mariadbd binds it is
// retried; missing or wrong binaries are named; `npm run replicas` prints the
// environment and stops cleanly on SIGTERM; and a process killed outright
// leaves no server running and its directory to the next pair's sweep.
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { killIfRunning, spawnTsx, type GatewayProcess } from './support/process.ts';
import { findMariadbBinariesIn } from './support/replica-pair/binaries.ts';
import { startReplicaPair, type ReplicaPair } from './support/replica-pair/index.ts';
import { TEMPLATE_PREFIX } from './support/replica-pair/data-dir.ts';
import { defaultBaseDir, isAlive, sweepLeftovers } from './support/replica-pair/leftovers.ts';
import { freePort } from './support/replica-pair/mariadbd.ts';

const pairs: ReplicaPair[] = [];
let script: GatewayProcess | undefined;

afterEach(async () => {
  killIfRunning(script);
  script = undefined;
  await Promise.all(pairs.splice(0).map((pair) => pair.close()));
});

async function start(options: Parameters<typeof startReplicaPair>[0] = {}): Promise<ReplicaPair> {
  const pair = await startReplicaPair(options);
  pairs.push(pair);
  return pair;
}

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const conn = await mysql.createConnection({ uri: url, multipleStatements: true });
  try {
    const [rows] = await conn.query(sql);
    return rows as Record<string, unknown>[];
  } finally {
    await conn.end();
  }
}

/** Resolves once every pid is gone (reaped or a zombie), or rejects after `withinMs`. */
async function gone(pids: readonly number[], withinMs: number): Promise<void> {
  await expect.poll(() => pids.filter((pid) => isAlive(pid)), { timeout: withinMs, interval: 50 }).toEqual([]);
}

describe('replica pairs side by side', () => {
  it('get their own ports, sockets and directories, replicate independently, and close() leaves no process and no directory', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const servers = [a.primary, a.replica, b.primary, b.replica];
    expect(new Set(servers.map((server) => server.port)).size).toBe(4);
    expect(new Set(servers.map((server) => server.socket)).size).toBe(4);
    expect(a.dir).not.toBe(b.dir);

    await query(a.primaryUrl, 'CREATE DATABASE only_a');
    expect(await a.waitForReplica()).toBe(true);
    expect(await query(a.replicaUrl, "SHOW DATABASES LIKE 'only_a'")).toHaveLength(1);
    expect(await query(b.replicaUrl, "SHOW DATABASES LIKE 'only_a'")).toHaveLength(0);

    const pids = servers.map((server) => server.pid!);
    await Promise.all([a.close(), b.close(), a.close()]);
    await gone(pids, 1000);
    expect([existsSync(a.dir), existsSync(b.dir)]).toEqual([false, false]);
    expect(servers.map((server) => server.running)).toEqual([false, false, false, false]);
  });

  it('builds its data directory template where there is none, and retries on another port when the one picked is taken before mariadbd binds it', async () => {
    const baseDir = mkdtempSync(path.join(defaultBaseDir(), 'gw-test-base-'));
    onTestFinished(() => rmSync(baseDir, { recursive: true, force: true }));
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as AddressInfo).port;
    const handedOut: number[] = [];
    try {
      const pair = await start({
        baseDir,
        // The first port handed out is taken; the later ones are free.
        pickPort: async () => {
          const port = handedOut.length === 0 ? taken : await freePort();
          handedOut.push(port);
          return port;
        },
      });
      expect(pair.timings.templateBuilt).toBe(true);
      expect(readdirSync(baseDir).filter((name) => name.startsWith(TEMPLATE_PREFIX))).toHaveLength(1);
      expect(handedOut[0]).toBe(taken);
      expect(handedOut.length).toBeGreaterThanOrEqual(3);
      expect([pair.primary.port, pair.replica.port]).not.toContain(taken);
      await query(pair.primaryUrl, 'CREATE DATABASE retried');
      expect(await pair.waitForReplica()).toBe(true);
    } finally {
      squatter.close();
    }
  });
});

describe('finding the MariaDB programs', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const tempDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-bin-'));
    dirs.push(dir);
    return dir;
  };

  it('names both programs and the package that holds them when neither is installed', () => {
    const empty = tempDir();
    expect(() => findMariadbBinariesIn([empty])).toThrow(
      new RegExp(`needs mariadbd and mariadb-install-db, which are not installed \\(looked in ${empty}\\)\\. On Debian/Ubuntu: apt-get install mariadb-server`),
    );
  });

  it('names the one missing, and refuses a server that is not MariaDB', () => {
    const dir = tempDir();
    const fake = (name: string, output: string) => {
      writeFileSync(path.join(dir, name), `#!/bin/sh\necho '${output}'\n`);
      chmodSync(path.join(dir, name), 0o755);
    };
    fake('mysqld', '/usr/sbin/mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)');
    expect(() => findMariadbBinariesIn([dir])).toThrow(/needs mariadb-install-db, which is not installed/);
    fake('mysql_install_db', '');
    expect(() => findMariadbBinariesIn([dir])).toThrow(/mysqld is not MariaDB \(.*MySQL Community Server.*\)/);
  });
});

describe('npm run replicas (scripts/replica-pair.ts)', () => {
  const env = { PATH: process.env.PATH ?? '' };
  const announced = (proc: GatewayProcess) => proc.waitForLine((line) => line.startsWith('DATABASE_URL='), 30_000) as Promise<string>;
  const dataDir = (proc: GatewayProcess) => proc.lines.find((line) => line.startsWith('data '))!.slice(5).trim();
  const serverPids = (proc: GatewayProcess) => proc.lines.flatMap((line) => [...line.matchAll(/pid (\d+)\)/g)].map((m) => Number(m[1])));

  it('prints DATABASE_URL and DATABASE_REPLICA_URLS of a working pair, and on SIGTERM stops both and removes their data', async () => {
    script = spawnTsx('scripts/replica-pair.ts', ['--database', 'demo'], env);
    const line = await announced(script);
    const [, primaryUrl, replicaUrl] = /^DATABASE_URL=(\S+) DATABASE_REPLICA_URLS=(\S+)$/.exec(line)!;
    expect(primaryUrl).toMatch(/^mysql:\/\/root@127\.0\.0\.1:\d+\/demo$/);
    expect(replicaUrl).toMatch(/^mysql:\/\/root@127\.0\.0\.1:\d+\/demo$/);
    await query(primaryUrl!.replace(/demo$/, ''), 'CREATE DATABASE demo; CREATE TABLE demo.t (id INT PRIMARY KEY); INSERT INTO demo.t VALUES (1)');
    await expect.poll(() => query(replicaUrl!, 'SELECT id FROM t').catch(() => []), { timeout: 5000 }).toEqual([{ id: 1 }]);

    const dir = dataDir(script);
    const pids = serverPids(script);
    expect(pids).toHaveLength(2);
    script.child.kill('SIGTERM');
    expect(await script.exited).toEqual({ code: 0, signal: null });
    await gone(pids, 1000);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a bad --database with a message and exit code 2', async () => {
    script = spawnTsx('scripts/replica-pair.ts', ['--database', 'no-dashes'], env);
    expect(await script.exited).toEqual({ code: 2, signal: null });
    expect(script.lines.join('\n')).toMatch(/--database must be 1 to 64 letters, digits or underscores, but got "no-dashes"/);
  });

  it('leaves no server running when killed outright (SIGKILL), and the next sweep removes its directory', async () => {
    script = spawnTsx('scripts/replica-pair.ts', [], env);
    await announced(script);
    const dir = dataDir(script);
    const pids = serverPids(script);
    script.child.kill('SIGKILL');
    await script.exited;
    // Their parent-death signal (setpriv --pdeathsig) ends both servers with it.
    await gone(pids, 5000);
    expect(existsSync(dir)).toBe(true);
    expect(sweepLeftovers(path.dirname(dir))).toContain(dir);
    expect(existsSync(dir)).toBe(false);
  });
});
