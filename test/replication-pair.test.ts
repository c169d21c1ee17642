// The replica pair of test/support/replica-pair is real MariaDB replication:
// rows written on the primary reach the replica through its binary log, the
// replica refuses writes, a stopped SQL thread holds changes back until START
// SLAVE, a replica server stopped (or killed) and started again rejoins and
// catches up by itself, the GTID wait is bounded, and close() leaves nothing
// behind. Concurrency and process death: test/replication-pair-lifecycle.test.ts.
import { createServer } from 'node:net';
import mysqlCallback from 'mysql2';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { assessReplica, readPrimaryPosition, readReplicaStatus } from '../src/db/replication/index.ts';
import { startReplicaPair, type ReplicaPair } from './support/replica-pair/index.ts';

let pair: ReplicaPair;
/** Connections over TCP to the URLs the pair hands out, as a gateway would open them. */
let primary: mysql.Connection;
let replica: mysql.Connection;

function connectUrl(url: string): Promise<mysql.Connection> {
  return mysql.createConnection({ uri: url, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true });
}

async function rowsOn(conn: mysql.Connection, sql: string): Promise<Record<string, unknown>[]> {
  const [rows] = await conn.query(sql);
  return rows as Record<string, unknown>[];
}

beforeAll(async () => {
  pair = await startReplicaPair();
  console.info(`replica pair started in ${pair.timings.totalMs} ms`, pair.timings);
  primary = await connectUrl(pair.primaryUrl);
  replica = await connectUrl(pair.replicaUrl);
  await primary.query('CREATE DATABASE rp; CREATE TABLE rp.items (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL)');
}, 60_000);

afterAll(async () => {
  await primary?.end();
  await replica?.end().catch(() => {});
  await pair?.close();
});

describe('a replica pair', () => {
  it('is two servers of its own: server ids 1 and 2, neither on 3306, the primary logging GTIDs in row format, the replica read-only', async () => {
    expect(pair.primary.port).not.toBe(pair.replica.port);
    expect([pair.primary.port, pair.replica.port]).not.toContain(3306);
    expect(pair.primaryUrl).toBe(`mysql://root@127.0.0.1:${pair.primary.port}/`);
    const [p] = await rowsOn(primary, 'SELECT @@server_id AS id, @@log_bin AS log_bin, @@binlog_format AS format, @@gtid_strict_mode AS strict, @@read_only AS ro');
    const [r] = await rowsOn(replica, 'SELECT @@server_id AS id, @@read_only AS ro');
    expect(p).toEqual({ id: '1', log_bin: '1', format: 'ROW', strict: '1', ro: '0' });
    expect(r).toEqual({ id: '2', ro: '1' });
    // Temporary files too stay in the pair's directory, away from the machine's server's in /tmp.
    expect(await rowsOn(primary, 'SELECT @@tmpdir AS tmpdir')).toEqual([{ tmpdir: pair.primary.tmpDir }]);
  });

  it('copies a table created and a row inserted on the primary to the replica', async () => {
    await primary.query("INSERT INTO rp.items VALUES (1, 'first')");
    expect(await pair.waitForReplica()).toBe(true);
    expect(await rowsOn(replica, 'SELECT id, name FROM rp.items')).toEqual([{ id: 1, name: 'first' }]);
    const [onPrimary, onReplica] = await Promise.all([pair.gtid('primary'), pair.gtid('replica')]);
    expect(onPrimary.binlogPos).toMatch(/^0-1-\d+$/);
    expect(onReplica.slavePos).toBe(onPrimary.binlogPos);
  });

  it('refuses writes on the replica, even from root, so its binary log holds only what came from the primary', async () => {
    await expect(replica.query("INSERT INTO rp.items VALUES (99, 'stray')")).rejects.toMatchObject({ errno: 1290, message: expect.stringMatching(/read-only/) });
    await expect(replica.query('CREATE TABLE rp.stray (id INT)')).rejects.toMatchObject({ errno: 1290 });
    await pair.waitForReplica();
    const { binlogPos } = await pair.gtid('replica');
    // log_slave_updates: replicated transactions go into the replica's binlog under the primary's server id 1.
    expect(binlogPos).toBe((await pair.gtid('primary')).binlogPos);
    expect(await rowsOn(replica, 'SELECT COUNT(*) AS n FROM rp.items WHERE id = 99')).toEqual([{ n: '0' }]);
  });

  it('holds a new row back while the SQL thread is stopped (the replica receives it but does not apply it), and catches up after START SLAVE', async () => {
    // The primitives take mysql2's callback-API connections, as the gateway's pool holds them.
    const primaryCb = mysqlCallback.createConnection({ uri: pair.primaryUrl });
    const replicaCb = mysqlCallback.createConnection({ uri: pair.replicaUrl });
    onTestFinished(() => {
      primaryCb.end();
      replicaCb.end();
    });
    await pair.stopReplication('sql');
    await primary.query("INSERT INTO rp.items VALUES (2, 'held back')");
    const position = await readPrimaryPosition(primaryCb);
    // The IO thread still runs: the transaction reaches the relay log.
    await expect.poll(async () => (await readReplicaStatus(replicaCb))?.receivedPosition, { timeout: 5000 }).toBe(position);

    expect(await rowsOn(replica, 'SELECT id FROM rp.items WHERE id = 2')).toEqual([]);
    const health = assessReplica(await readReplicaStatus(replicaCb), position);
    expect(health).toMatchObject({ replicating: false, caughtUp: false, transactionsBehind: 1n, secondsBehindPrimary: null });
    expect(health.problems.join('; ')).toMatch(/SQL thread is not applying changes/);
    expect(await pair.waitForReplica(position, 300)).toBe(false);

    await pair.startReplication();
    expect(await pair.waitForReplica(position)).toBe(true);
    expect(await rowsOn(replica, 'SELECT name FROM rp.items WHERE id = 2')).toEqual([{ name: 'held back' }]);
    expect(assessReplica(await readReplicaStatus(replicaCb), position)).toMatchObject({ replicating: true, caughtUp: true, problems: [] });
  });

  it('rejoins after the replica server is stopped and started again on the same data and port, and applies what it missed', async () => {
    const port = pair.replica.port;
    await replica.end();
    await pair.stopReplica();
    expect(pair.replica.running).toBe(false);
    await expect(connectUrl(pair.replicaUrl)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await primary.query("INSERT INTO rp.items VALUES (3, 'while down'), (4, 'while down')");

    await pair.startReplica();
    expect(pair.replica.port).toBe(port);
    replica = await connectUrl(pair.replicaUrl);
    expect(await pair.waitForReplica()).toBe(true);
    expect(await rowsOn(replica, 'SELECT id FROM rp.items WHERE id IN (3, 4) ORDER BY id')).toEqual([{ id: 3 }, { id: 4 }]);
    expect(await pair.slaveStatus()).toMatchObject({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Using_Gtid: 'Slave_Pos' });
  });

  it('says so when the stopped replica cannot come back because another process took its port, and comes back once it is free', async () => {
    await replica.end();
    await pair.stopReplica();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(pair.replica.port, '127.0.0.1', resolve));
    try {
      await expect(pair.startReplica()).rejects.toThrow(
        `The replica's port ${pair.replica.port} was taken by another process while the replica was stopped, so it cannot come back on the same URL.`,
      );
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    await pair.startReplica();
    replica = await connectUrl(pair.replicaUrl);
    expect(await pair.waitForReplica()).toBe(true);
  });

  it('recovers from a crash (SIGKILL) of the replica and ends with the same table as the primary', async () => {
    await replica.end();
    await primary.query("INSERT INTO rp.items VALUES (5, 'before crash')");
    await pair.stopReplica('SIGKILL');
    await primary.query("INSERT INTO rp.items VALUES (6, 'after crash')");
    await pair.startReplica();
    replica = await connectUrl(pair.replicaUrl);
    expect(await pair.waitForReplica()).toBe(true);
    const [[onPrimary], [onReplica]] = await Promise.all([rowsOn(primary, 'CHECKSUM TABLE rp.items'), rowsOn(replica, 'CHECKSUM TABLE rp.items')]);
    expect(onReplica).toEqual(onPrimary);
    expect(await rowsOn(replica, 'SELECT COUNT(*) AS n FROM rp.items')).toEqual([{ n: '6' }]);
  });

  it('answers a GTID wait at once for an applied position and after its bound, not before, for one not yet applied', async () => {
    const { binlogPos } = await pair.gtid('primary');
    let started = performance.now();
    expect(await pair.waitForReplica(binlogPos, 5000)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);

    const [domain, server, seq] = binlogPos.split('-');
    started = performance.now();
    expect(await pair.waitForReplica(`${domain}-${server}-${Number(seq) + 1000}`, 500)).toBe(false);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(3000);
  });

  it("reads counters and positions without moving the replica's Com_select, which counts exactly the SELECTs sent to it", async () => {
    const before = await pair.globalStatus('replica', ['Com_select', 'Com_insert']);
    await pair.gtid('replica');
    await pair.slaveStatus();
    await pair.globalStatus('replica');
    expect(await pair.globalStatus('replica', ['Com_select'])).toEqual({ Com_select: before.Com_select });

    for (let i = 0; i < 3; i++) await replica.query('SELECT id FROM rp.items LIMIT 1');
    const primaryBefore = await pair.globalStatus('primary', ['Com_insert']);
    await primary.query("INSERT INTO rp.items VALUES (7, 'counted'); INSERT INTO rp.items VALUES (8, 'counted')");
    await pair.waitForReplica(); // one SELECT MASTER_GTID_WAIT on the replica
    expect(await pair.globalStatus('primary', ['Com_insert'])).toEqual({ Com_insert: primaryBefore.Com_insert! + 2 });
    // MariaDB counts each applied Write_rows event in the replica's Com_insert too, so Com_insert there
    // cannot tell a client's write from replication: whether a write reached the replica shows in its
    // binary log's server ids (see "refuses writes on the replica" above), not in its counters.
    expect(await pair.globalStatus('replica', ['Com_select', 'Com_insert'])).toEqual({ Com_select: before.Com_select! + 4, Com_insert: before.Com_insert! + 2 });
    await expect(pair.globalStatus('replica', ['Com_selcet'])).rejects.toThrow(/no numeric status variable Com_selcet/);
  });

  it('freezes the replica (it keeps its connections but answers nothing) and thaws it', async () => {
    pair.freezeReplica();
    try {
      await expect(replica.query({ sql: 'SELECT 1', timeout: 300 })).rejects.toMatchObject({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' });
    } finally {
      pair.thawReplica();
    }
    await replica.end().catch(() => {});
    replica = await connectUrl(pair.replicaUrl);
    expect(await rowsOn(replica, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await pair.waitForReplica()).toBe(true);
  });
});
