// Read replicas on MariaDB's own GTID replication (DATABASE_REPLICA_URLS), on
// a real primary and replica of test/support/replica-pair: reads go to the
// replica, writes and transactions to the primary; a read that must see this
// gateway's write sees it even with the replica's SQL thread stopped, while
// reads of what the write did not touch stay on the replica; a lagging or
// stopped replica leaves the rotation and rejoins by itself; nothing is ever
// written to the replica.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWith, loadConfig, parseDatabaseUrl, type Config } from '../src/config.ts';
import { migrate } from '../src/db/startup.ts';
import { parseGtidPosition } from '../src/db/replication/gtid-position.ts';
import { startReplicaPair, type ReplicaPair } from './support/replica-pair/index.ts';
import { seenErrors, startTestServer, type TestServer } from './support/server.ts';
import { waitFor } from './support/locks.ts';

const DATABASE = 'gw_replicas';
let pair: ReplicaPair;
let primary: mysql.Connection;
let config: Config;
let server: TestServer;

beforeAll(async () => {
  pair = await startReplicaPair();
  const base = configWith(loadConfig({}), { databaseUrl: `${pair.primaryUrl}${DATABASE}`, logLevel: 'silent', port: 0 });
  await migrate(base);
  primary = await mysql.createConnection({ uri: `${pair.primaryUrl}${DATABASE}`, multipleStatements: true });
  await primary.query(
    "INSERT INTO users (name, email) VALUES ('Ann', 'ann@r.test'), ('Bob', 'bob@r.test'); INSERT INTO products (sku, name, price, stock) VALUES ('PEN', 'Pen', 1.50, 100), ('MUG', 'Mug', 12.00, 100)",
  );
  expect(await pair.waitForReplica()).toBe(true);
  config = configWith(base, {
    replication: { replicas: [parseDatabaseUrl(`${pair.replicaUrl}${DATABASE}`, 'DATABASE_REPLICA_URLS')], maxLagMs: 500, probeIntervalMs: 200, readYourWritesWaitMs: 200 },
  });
  server = await startTestServer(config);
  await waitFor(() => server.app.db.replicas()[0]!.inRotation, 10_000, 50);
}, 90_000);

afterAll(async () => {
  await server?.close();
  await primary?.end();
  await pair?.close();
});

const selects = async () => {
  const [p, r] = await Promise.all([pair.globalStatus('primary', ['Com_select']), pair.globalStatus('replica', ['Com_select'])]);
  return { primary: p.Com_select!, replica: r.Com_select! };
};

describe('with DATABASE_REPLICA_URLS', () => {
  it('serves reads from the replica: under read load most SELECTs run there', async () => {
    const before = await selects();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => server.gql(`{ user(id: "${1 + (i % 2)}") { name } products { totalCount } }`)));
    for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    const after = await selects();
    expect(after.replica - before.replica).toBeGreaterThanOrEqual(60);
    // The primary sees only the lag probes' reads of its position meanwhile.
    expect(after.primary - before.primary).toBeLessThan(15);
  });

  it('with the replica SQL thread stopped, placeOrder then order(id) sees the order; reads of users stay on the replica', async () => {
    await pair.stopReplication('sql');
    try {
      const placed = await server.gql('mutation { placeOrder(input: { userId: "1", items: [{ productId: "1", quantity: 2 }] }) { id total } }');
      const orderId = placed.body.data.placeOrder.id;
      const seen = await server.gql(`{ order(id: "${orderId}") { id total items { quantity product { stock } } } }`);
      expect(seen.body).toEqual({ data: { order: { id: orderId, total: '3.00', items: [{ quantity: 2, product: { stock: 98 } }] } } });
      // Counts read from the counter tables the order's triggers wrote count it too: a read of a
      // counter waits for the writes of the table it counts (src/db/counters.ts).
      const [[truth]] = await primary.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n, SUM(user_id = 1) AS mine, SUM(status = 'PENDING') AS pending FROM orders");
      const counts = await server.gql('{ orders { totalCount } pending: orders(filter: { status: PENDING }) { totalCount } user(id: "1") { orderCount orders { totalCount } } }');
      expect(counts.body).toEqual({
        data: { orders: { totalCount: Number(truth!.n) }, pending: { totalCount: Number(truth!.pending) }, user: { orderCount: Number(truth!.mine), orders: { totalCount: Number(truth!.mine) } } },
      });
      expect(Number(truth!.mine)).toBeGreaterThan(0);
      // Users were not written: read on the replica, which has them.
      const before = server.app.db.replicas()[0]!.reads;
      expect((await server.gql('{ user(id: "2") { name } }')).body).toEqual({ data: { user: { name: 'Bob' } } });
      expect(server.app.db.replicas()[0]!.reads).toBe(before + 1);
    } finally {
      await pair.startReplication();
    }
  });

  it('a replica lagging past REPLICA_MAX_LAG_MS leaves the rotation, reads go to the primary, and it comes back once caught up', async () => {
    await pair.stopReplication('sql');
    try {
      await primary.query("INSERT INTO users (name, email) VALUES ('Cy', 'cy@r.test')");
      await waitFor(() => !server.app.db.replicas()[0]!.inRotation, 10_000, 50);
      const primaryReads = server.app.db.primaryReads();
      const answer = await server.gql('{ users(first: 10) { totalCount } }');
      expect(answer.body.data.users.totalCount).toBe(3); // the primary's answer: Cy is there
      expect(server.app.db.primaryReads()).toBeGreaterThan(primaryReads);
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status).toBe(200);
      expect((await ready.json()).replicas[0]).toMatchObject({ inRotation: false });
    } finally {
      await pair.startReplication();
    }
    await waitFor(() => server.app.db.replicas()[0]!.inRotation, 10_000, 50);
  });

  it('with the replica server stopped every read is still answered; started again, it rejoins the rotation without a restart', async () => {
    await pair.stopReplica('SIGKILL');
    try {
      for (let i = 0; i < 5; i++) expect((await server.gql('{ products { totalCount } user(id: "1") { name } }')).body.errors).toBeUndefined();
      await waitFor(() => !server.app.db.replicas()[0]!.inRotation, 10_000, 50);
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    } finally {
      await pair.startReplica();
    }
    await waitFor(() => server.app.db.replicas()[0]!.inRotation, 20_000, 100);
    const reads = server.app.db.replicas()[0]!.reads;
    await server.gql('{ user(id: "2") { name } }');
    expect(server.app.db.replicas()[0]!.reads).toBe(reads + 1);
  });

  it('shows per-server pools, lag, rotation and reads at /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const name = server.app.db.replicas()[0]!.server;
    for (const series of [
      `gateway_db_replica_in_rotation{server="${name}"} 1`,
      `gateway_db_replica_pool_connections{server="${name}",state="in_use"}`,
      `gateway_db_replica_lag_seconds{server="${name}"}`,
      `gateway_db_reads_total{server="${name}"}`,
      'gateway_db_reads_total{server="primary"}',
    ]) {
      expect(text).toContain(series);
    }
  });

  it('never writes to the replica: after the mixed run its binary log holds only the primary\'s GTIDs and its tables equal the primary\'s', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await server.gql(`mutation { placeOrder(input: { userId: "2", items: [{ productId: "2", quantity: 1 }] }) { id } }`);
      expect(r.body.errors).toBeUndefined();
      await server.gql('{ orders(first: 50) { totalCount } }');
    }
    await server.gql('mutation { createUser(input: { name: "Dee", email: "dee@r.test" }) { id } }');
    expect(await pair.waitForReplica()).toBe(true);
    const gtids = await pair.gtid('replica');
    for (const gtid of parseGtidPosition(gtids.binlogPos)) expect(gtid.serverId).toBe(1);
    const replica = await mysql.createConnection({ uri: `${pair.replicaUrl}${DATABASE}` });
    try {
      const sums = async (conn: mysql.Connection) => (await conn.query('CHECKSUM TABLE users, products, orders, order_items'))[0];
      expect(await sums(replica)).toEqual(await sums(primary));
    } finally {
      await replica.end();
    }
    expect(seenErrors.filter((e) => JSON.stringify(e).includes('read-only'))).toEqual([]);
  });
});
