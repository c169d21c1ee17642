// The real server process: graceful shutdown on SIGTERM with slow requests in
// flight, start-up refusing bad environment values, and start-up retrying an
// unreachable database without stack traces.
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import { createTestDatabase, sqlConnection } from './support/db.ts';
import { killIfRunning, parseJsonLine, spawnGateway, type GatewayProcess } from './support/process.ts';
import { insertShopRows } from './support/rows.ts';
import { seenErrors } from './support/server.ts';

const STACK_LINE = /^\s+at /m;
let config: Config;
let gateway: GatewayProcess | undefined;

beforeAll(async () => {
  config = await createTestDatabase('harden_process');
  await insertShopRows(config);
});

afterEach(() => {
  killIfRunning(gateway);
  gateway = undefined;
});

/** Resolves 'refused' once a TCP connection to the port is refused, 'accepted' otherwise. */
function tryConnect(port: number): Promise<'accepted' | 'refused'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', () => resolve('refused'));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('graceful shutdown', () => {
  let locker: mysql.Connection;
  let watcher: mysql.Connection;

  beforeAll(async () => {
    locker = await sqlConnection(config);
    watcher = await sqlConnection(config);
  });

  afterAll(async () => {
    await locker?.query('UNLOCK TABLES').catch(() => {});
    await locker?.end();
    await watcher?.end();
  });

  it('on SIGTERM lets slow in-flight requests complete, refuses new connections, closes the pool and exits 0', async () => {
    gateway = spawnGateway({ DATABASE_URL: config.databaseUrl, PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '15000' });
    const listening = (await gateway.waitForLine((_l, json) => typeof json?.port === 'number', 30_000)) as { port: number };
    const url = `http://127.0.0.1:${listening.port}/graphql`;

    // Slow requests: the table they read is write-locked by another connection.
    await locker.query('LOCK TABLES products WRITE');
    let settled = 0;
    const slow = Array.from({ length: 3 }, (_, i) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': `slow-${i}` },
        body: JSON.stringify({ query: 'query Slow { products(first: 3) { nodes { id name } } }' }),
      })
        .then(async (res) => ({ status: res.status, body: (await res.json()) as { data?: any; errors?: unknown[] } }))
        .finally(() => settled++),
    );
    // Until all three statements wait on the lock (bounded).
    let waiting = 0;
    for (let i = 0; i < 200 && waiting < 3; i++) {
      const [rows] = await watcher.query(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND STATE LIKE 'Waiting for table%'",
        [config.database.name],
      );
      waiting = Number((rows as { n: number }[])[0]!.n);
      if (waiting < 3) await new Promise((r) => setTimeout(r, 25));
    }
    expect(waiting).toBe(3);

    gateway.child.kill('SIGTERM');
    await gateway.waitForLine((_l, json) => /shutting down/.test(json?.msg ?? ''), 5000);
    let refused = false;
    for (let i = 0; i < 100 && !refused; i++) {
      refused = (await tryConnect(listening.port)) === 'refused';
      if (!refused) await new Promise((r) => setTimeout(r, 50));
    }
    expect(refused).toBe(true);
    expect(settled).toBe(0);
    expect(gateway.child.exitCode).toBeNull();

    await locker.query('UNLOCK TABLES');
    const responses = await Promise.all(slow);
    for (const res of responses) {
      seenErrors.push(...(res.body.errors ?? []));
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.products.nodes).toHaveLength(3);
    }
    const exit = await gateway.exited;
    expect(exit).toEqual({ code: 0, signal: null });

    const logged = gateway.lines.map(parseJsonLine);
    const requestLines = logged.filter((json) => json?.msg === 'request' && json.operation === 'Slow');
    expect(requestLines.map((json) => json!.requestId).sort()).toEqual(['slow-0', 'slow-1', 'slow-2']);
    expect(logged.some((json) => json?.msg === 'stopped')).toBe(true);
    expect(gateway.lines.join('\n')).not.toMatch(STACK_LINE);
  });
});

describe('start-up', () => {
  const badValues: [string, string][] = [
    ['PORT', '70000'],
    ['DB_POOL_SIZE', '0'],
    ['DATABASE_URL', 'nonsense'],
  ];
  for (const [variable, value] of badValues) {
    it(`stops with exit 1 and one line naming ${variable} when ${variable}=${value}`, async () => {
      gateway = spawnGateway({ DATABASE_URL: config.databaseUrl, PORT: '0', [variable]: value });
      const exit = await gateway.exited;
      // Let the last output arrive.
      await new Promise((r) => setTimeout(r, 50));
      expect(exit.code).toBe(1);
      expect(gateway.lines).toHaveLength(1);
      expect(gateway.lines[0]).toContain(variable);
      expect(gateway.lines[0]).toContain(value);
      expect(gateway.lines.join('\n')).not.toMatch(STACK_LINE);
    });
  }

  it('retries an unreachable database with growing back-off, logging each attempt without a stack trace', async () => {
    const port = await freePort();
    gateway = spawnGateway({ DATABASE_URL: `mysql://root@127.0.0.1:${port}/harden_nowhere`, PORT: '0', LOG_LEVEL: 'info' });
    await gateway.waitForLine((_l, json) => json?.attempt === 3, 15_000);
    const attempts = gateway.lines.map(parseJsonLine).filter((json) => json?.attempt !== undefined);
    expect(attempts.slice(0, 3).map((json) => json!.code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
    const delays = attempts.slice(0, 3).map((json) => json!.retryInMs as number);
    expect(delays[1]).toBeGreaterThan(delays[0]!);
    expect(delays[2]).toBeGreaterThan(delays[1]!);
    for (const json of attempts) {
      expect(json!.level).toBe(40);
      expect(json!.msg).toMatch(/unreachable.*retrying/);
      expect(json!.stack ?? json!.err).toBeUndefined();
    }
    expect(gateway.lines.join('\n')).not.toMatch(STACK_LINE);
    // Still waiting, and a stop request during start-up is clean.
    expect(gateway.child.exitCode).toBeNull();
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
  });
});
