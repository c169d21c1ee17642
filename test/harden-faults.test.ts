// Database faults through a real TCP proxy between the gateway and MariaDB:
// cut mid-load, requests answer SERVICE_UNAVAILABLE fast and /ready 503; once
// restored, the same gateway serves again by itself. A stalled network (no
// byte gets through) is bounded by the driver-side statement timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWith, type Config } from '../src/config.ts';
import { createTestDatabase } from './support/db.ts';
import { insertShopRows } from './support/rows.ts';
import { startTestServer, type GraphQLResponse, type TestServer } from './support/server.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

const QUERY = '{ users(first: 3) { nodes { id name } } }';
let base: Config;
let proxy: TcpProxy;

beforeAll(async () => {
  base = await createTestDatabase('harden_faults');
  await insertShopRows(base);
  proxy = await startTcpProxy({ host: base.database.host, port: base.database.port });
});

afterAll(async () => {
  await proxy?.close();
});

async function startBehindProxy(limits: Partial<Config['limits']> = {}): Promise<TestServer> {
  const url = new URL(base.databaseUrl);
  url.port = String(proxy.port);
  return startTestServer(configWith(base, { databaseUrl: url.toString(), dbPoolSize: 4, limits }));
}

/** Polls `check` every 50 ms until it is true; fails after `withinMs`. */
async function waitFor(what: string, withinMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (let i = 0; performance.now() - started < withinMs && i < 1000; i++) {
    if (await check()) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within ${withinMs} ms`);
}

const codes = (res: GraphQLResponse) => (res.body.errors ?? []).map((e) => e.extensions?.code);
const ok = (res: GraphQLResponse) => res.status === 200 && !res.body.errors && res.body.data?.users?.nodes?.length === 3;
const readyStatus = async (s: TestServer) => (await fetch(`${s.url}/ready`)).status;

describe('database faults', () => {
  it('answers SERVICE_UNAVAILABLE and /ready 503 within 5 s of the database being cut mid-load, and recovers by itself once restored', async () => {
    const server = await startBehindProxy();
    try {
      expect(ok(await server.gql(QUERY))).toBe(true);
      expect(await readyStatus(server)).toBe(200);

      // Load: 6 workers in a bounded loop until told to stop.
      let stop = false;
      const seen: { ok: boolean; codes: unknown[] }[] = [];
      const worker = async () => {
        for (let i = 0; i < 5000 && !stop; i++) {
          const res = await server.gql(QUERY);
          seen.push({ ok: ok(res), codes: codes(res) });
        }
      };
      const load = Promise.all(Array.from({ length: 6 }, worker));
      await waitFor('load running', 5000, async () => seen.filter((r) => r.ok).length >= 30);

      proxy.cut();
      const cutAt = seen.length;
      await waitFor('SERVICE_UNAVAILABLE under load', 5000, async () => seen.slice(cutAt).some((r) => r.codes.includes('SERVICE_UNAVAILABLE')));
      await waitFor('/ready 503', 5000, async () => (await readyStatus(server)) === 503);

      // While down: every request is answered fast, with SERVICE_UNAVAILABLE, and the process serves /health.
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const res = await server.gql(QUERY);
        expect(performance.now() - started).toBeLessThan(2000);
        expect(res.status).toBe(200);
        expect(res.body.data ?? null).toBeNull();
        expect(codes(res)).toEqual(['SERVICE_UNAVAILABLE']);
        expect(res.body.errors![0]!.message).toMatch(/database is unavailable/i);
      }
      expect((await fetch(`${server.url}/health`)).status).toBe(200);

      proxy.restore();
      const restoreAt = seen.length;
      await waitFor('success after restore', 5000, async () => seen.slice(restoreAt).some((r) => r.ok));
      stop = true;
      await load;

      // Nothing but successes and SERVICE_UNAVAILABLE was ever answered: no masked crash.
      expect(new Set(seen.flatMap((r) => r.codes))).toEqual(new Set(['SERVICE_UNAVAILABLE']));
      for (let i = 0; i < 10; i++) expect(ok(await server.gql(QUERY))).toBe(true);
      expect(await readyStatus(server)).toBe(200);
    } finally {
      proxy.restore();
      await server.close();
    }
  });

  it('ends a statement whose answer never comes (stalled network) in TIMEOUT through the driver-side bound, then serves again', async () => {
    const server = await startBehindProxy({ statementTimeoutMs: 300 });
    try {
      expect(ok(await server.gql(QUERY))).toBe(true);
      proxy.stall();
      const started = performance.now();
      const res = await server.gql(QUERY);
      // max_statement_time (300 ms) cannot help: the server never got the statement.
      expect(performance.now() - started).toBeLessThan(5000);
      expect(codes(res)).toEqual(['TIMEOUT']);
      expect(await readyStatus(server)).toBe(503);
      proxy.resume();
      await waitFor('success after resume', 5000, async () => ok(await server.gql(QUERY)));
      for (let i = 0; i < 8; i++) expect(ok(await server.gql(QUERY))).toBe(true);
      expect(server.app.db.poolUsage()).toMatchObject({ inUse: 0, waiting: 0 });
    } finally {
      proxy.resume();
      await server.close();
    }
  });
});
