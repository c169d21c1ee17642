// src/db/replication against a real MariaDB primary and replica: the GTID a
// commit produced (read on its own connection), the bounded wait for it on
// the replica, the replica's status and health, and the measured lag; plus
// the GTID position arithmetic they rest on, and their error paths.
import mysql, { type Connection } from 'mysql2';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  assessReplica,
  formatGtidPosition,
  gtidPositionCovers,
  LAST_GTID_SQL,
  lastGtidFromRow,
  mergeGtidPositions,
  parseGtidPosition,
  probeReplicaLag,
  readLastGtid,
  readPrimaryPosition,
  readReplicaStatus,
  transactionsBehind,
  waitForGtidPosition,
} from '../src/db/replication/index.ts';
import { startReplicaPair, type ReplicaPair } from './support/replica-pair/index.ts';

let pair: ReplicaPair;

/** A callback-API connection (what the gateway's pool lends), closed when the test ends. */
function open(url: string, options: mysql.ConnectionOptions = {}): Connection {
  const conn = mysql.createConnection({ uri: `${url}prim`, multipleStatements: true, ...options });
  conn.on('error', () => {}); // a destroyed or lost connection must not be an uncaught error
  onTestFinished(() => conn.destroy());
  return conn;
}

function run(conn: Connection, sql: string, values: unknown[] = []): Promise<any> {
  return new Promise((resolve, reject) => conn.query(sql, values, (error, rows) => (error ? reject(error) : resolve(rows))));
}

/** The next GTID of domain 0 after `position`: a transaction the primary has not written yet. */
function nextOf(position: string): string {
  const [gtid] = parseGtidPosition(position);
  return `0-1-${(gtid?.seq ?? 0n) + 1n}`;
}

beforeAll(async () => {
  pair = await startReplicaPair();
  await pair.primary.query('CREATE DATABASE prim; CREATE TABLE prim.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL)');
  await pair.waitForReplica();
}, 60_000);

afterAll(() => pair?.close());

describe('GTID positions', () => {
  it('parse, format and merge per domain, the later sequence number winning', () => {
    expect(parseGtidPosition(' 1-3-7, 0-1-42 ')).toEqual([
      { domain: 0, serverId: 1, seq: 42n },
      { domain: 1, serverId: 3, seq: 7n },
    ]);
    expect(formatGtidPosition(parseGtidPosition('0-1-5,0-2-9'))).toBe('0-2-9');
    expect(parseGtidPosition('')).toEqual([]);
    expect(formatGtidPosition(mergeGtidPositions('0-1-5,1-1-3', '0-2-4,2-1-1'))).toBe('0-1-5,1-1-3,2-1-1');
    expect(formatGtidPosition(parseGtidPosition('0-1-18446744073709551615'))).toBe('0-1-18446744073709551615');
  });

  it('compare by sequence number within each domain of the target', () => {
    expect(gtidPositionCovers('0-1-10', '0-1-10')).toBe(true);
    expect(gtidPositionCovers('0-1-10', '0-2-9')).toBe(true);
    expect(gtidPositionCovers('0-1-10', '0-1-11')).toBe(false);
    expect(gtidPositionCovers('0-1-10', '0-1-5,1-1-1')).toBe(false);
    expect(gtidPositionCovers('', '')).toBe(true);
    expect(transactionsBehind('0-1-10,1-1-2', '0-1-13,1-1-2,2-1-4')).toBe(7n);
    expect(transactionsBehind('0-1-13', '0-1-10')).toBe(0n);
  });

  it('refuse anything that is not a list of domain-server-sequence numbers, showing the form expected', () => {
    for (const bad of ['garbage', '0-1', '0-1-2-3', '0-1-x', '-1-1-1', '0-1-18446744073709551616', '0-4294967296-1', '0-1-1,']) {
      expect(() => parseGtidPosition(bad), bad).toThrow(
        `A GTID position is a comma-separated list of domain-server-sequence numbers such as "0-1-42,1-3-7", but got ${JSON.stringify(bad)}.`,
      );
    }
  });
});

describe('readLastGtid: the position of the last commit of a connection', () => {
  it('is null before the session commits anything, then the GTID of each commit, autocommitted or explicit', async () => {
    const conn = open(pair.primaryUrl);
    expect(await readLastGtid(conn)).toBeNull();
    await run(conn, 'INSERT INTO t (v) VALUES (1)');
    const first = await readLastGtid(conn);
    expect(first).toBe(await readPrimaryPosition(conn));
    await run(conn, 'BEGIN');
    await run(conn, 'INSERT INTO t (v) VALUES (2)');
    await run(conn, 'INSERT INTO t (v) VALUES (3)');
    await run(conn, 'COMMIT');
    const second = await readLastGtid(conn);
    // One transaction, one GTID, however many statements it held.
    expect(transactionsBehind(first!, second!)).toBe(1n);
  });

  it("stays at the session's own last write when the session only reads and when other sessions write", async () => {
    const writer = open(pair.primaryUrl);
    const other = open(pair.primaryUrl);
    await run(writer, 'INSERT INTO t (v) VALUES (4)');
    const own = await readLastGtid(writer);
    await run(writer, 'BEGIN');
    await run(writer, 'SELECT COUNT(*) FROM t');
    await run(writer, 'COMMIT');
    await run(other, 'INSERT INTO t (v) VALUES (5)');
    expect(await readLastGtid(writer)).toBe(own);
    expect(gtidPositionCovers(await readPrimaryPosition(writer), own!)).toBe(true);
    expect(await readLastGtid(other)).not.toBe(own);
  });

  it('can be read in the same batch as COMMIT, saving a round trip', async () => {
    const conn = open(pair.primaryUrl);
    const results = await run(conn, `BEGIN; INSERT INTO t (v) VALUES (6); COMMIT; ${LAST_GTID_SQL}`);
    const position = lastGtidFromRow(results[3][0]);
    expect(position).toBe(await readPrimaryPosition(conn));
  });

  it('works on a pool connection, the way the gateway holds them', async () => {
    const pool = mysql.createPool({ uri: `${pair.primaryUrl}prim`, connectionLimit: 1 });
    onTestFinished(() => new Promise<void>((resolve) => pool.end(() => resolve())));
    const conn = await new Promise<mysql.PoolConnection>((resolve, reject) => pool.getConnection((e, c) => (e ? reject(e) : resolve(c))));
    await run(conn, 'INSERT INTO t (v) VALUES (7)');
    expect(await readLastGtid(conn)).toBe(await readPrimaryPosition(conn));
    conn.release();
  });
});

describe('waitForGtidPosition: read-your-writes on the replica', () => {
  it('returns at once for a position the replica has applied, and for the empty one without a round trip', async () => {
    const primary = open(pair.primaryUrl);
    const replica = open(pair.replicaUrl);
    await run(primary, 'INSERT INTO t (v) VALUES (10)');
    const position = (await readLastGtid(primary))!;
    // The write's own position: reached as soon as the replica applies it.
    const applied = await waitForGtidPosition(replica, position, 5000);
    expect(applied.reached).toBe(true);
    expect((await waitForGtidPosition(replica, position, 5000)).waitedMs).toBeLessThan(500);

    const before = await pair.globalStatus('replica', ['Com_select']);
    expect(await waitForGtidPosition(replica, '', 5000)).toEqual({ reached: true, waitedMs: 0 });
    expect(await pair.globalStatus('replica', ['Com_select'])).toEqual(before);
  });

  it('gives up after its bound for a position not applied yet, and wakes as soon as it is', async () => {
    const primary = open(pair.primaryUrl);
    const replica = open(pair.replicaUrl);
    await pair.stopReplication('sql');
    onTestFinished(() => pair.startReplication());
    await run(primary, 'INSERT INTO t (v) VALUES (11)');
    const position = (await readLastGtid(primary))!;

    const timedOut = await waitForGtidPosition(replica, position, 400);
    expect(timedOut.reached).toBe(false);
    expect(timedOut.waitedMs).toBeGreaterThanOrEqual(350);
    expect(timedOut.waitedMs).toBeLessThan(2500);

    const waiting = waitForGtidPosition(replica, position, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await pair.startReplication();
    const woke = await waiting;
    expect(woke.reached).toBe(true);
    expect(woke.waitedMs).toBeGreaterThanOrEqual(250);
    expect(woke.waitedMs).toBeLessThan(9000);
    const [row] = await run(replica, 'SELECT v FROM t WHERE v = 11');
    expect(row).toEqual({ v: 11 });
  });

  it('refuses an unbounded or malformed wait before sending anything', async () => {
    const replica = open(pair.replicaUrl);
    for (const timeout of [-1, Number.POSITIVE_INFINITY, Number.NaN]) {
      await expect(waitForGtidPosition(replica, '0-1-1', timeout)).rejects.toThrow(
        `timeoutMs must be a finite number of milliseconds, 0 or more (the wait must be bounded), but got ${timeout}.`,
      );
    }
    await expect(waitForGtidPosition(replica, '0-1', 100)).rejects.toThrow(/but got "0-1"/);
    expect(await waitForGtidPosition(replica, nextOf(await readPrimaryPosition(replica)), 0)).toMatchObject({ reached: false });
  });

  it('rejects, and destroys the connection, when the replica does not answer within bound + margin', async () => {
    const replica = open(pair.replicaUrl);
    await run(replica, 'SELECT 1');
    pair.freezeReplica();
    onTestFinished(() => pair.thawReplica());
    const started = performance.now();
    await expect(waitForGtidPosition(replica, '0-1-1', 200)).rejects.toMatchObject({
      code: 'PROTOCOL_SEQUENCE_TIMEOUT',
      message: expect.stringMatching(/did not answer .* within 1200 ms; the connection was closed/),
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1150);
    await expect(run(replica, 'SELECT 1')).rejects.toThrow();
  });
});

describe('readReplicaStatus and assessReplica', () => {
  it('report a replica that replicates and has caught up, and a primary that is no replica', async () => {
    const primary = open(pair.primaryUrl);
    const replica = open(pair.replicaUrl);
    await pair.waitForReplica();
    const position = await readPrimaryPosition(primary);
    const status = await readReplicaStatus(replica);
    expect(status).toMatchObject({ ioThread: 'Yes', sqlThread: 'Yes', appliedPosition: position, receivedPosition: position, lastIoError: null, lastSqlError: null, primaryHost: '127.0.0.1', primaryPort: pair.primary.port });
    expect(status!.secondsBehindPrimary).toBe(0);
    expect(assessReplica(status, position)).toEqual({ replicating: true, caughtUp: true, transactionsBehind: 0n, secondsBehindPrimary: 0, problems: [] });

    expect(await readReplicaStatus(primary)).toBeNull();
    expect(assessReplica(null, position)).toMatchObject({ replicating: false, caughtUp: false, problems: [expect.stringMatching(/not a replica/)] });
  });

  it('count the transactions a replica with its SQL thread stopped is behind, where Seconds_Behind_Master says only NULL', async () => {
    const primary = open(pair.primaryUrl);
    const replica = open(pair.replicaUrl);
    await pair.stopReplication('sql');
    onTestFinished(() => pair.startReplication());
    await run(primary, 'INSERT INTO t (v) VALUES (20)');
    await run(primary, 'INSERT INTO t (v) VALUES (21)');
    await run(primary, 'INSERT INTO t (v) VALUES (22)');
    const position = await readPrimaryPosition(primary);
    await expect.poll(async () => (await readReplicaStatus(replica))?.receivedPosition, { timeout: 5000 }).toBe(position);
    const health = assessReplica(await readReplicaStatus(replica), position);
    expect(health).toMatchObject({ replicating: false, caughtUp: false, transactionsBehind: 3n, secondsBehindPrimary: null });
    expect(health.problems).toEqual(['its SQL thread is not applying changes (Slave_SQL_Running: No)']);
  });

  it('name the IO thread when the replica stops reading from the primary', async () => {
    const replica = open(pair.replicaUrl);
    await pair.stopReplication('io');
    onTestFinished(() => pair.startReplication());
    const status = await readReplicaStatus(replica);
    expect(status).toMatchObject({ ioThread: 'No', sqlThread: 'Yes' });
    expect(assessReplica(status, await readPrimaryPosition(open(pair.primaryUrl))).problems).toEqual([
      'its IO thread is not reading from the primary (Slave_IO_Running: No)',
    ]);
  });

  it("report the replica's own error when applying a change failed", async () => {
    const primary = open(pair.primaryUrl);
    const replica = open(pair.replicaUrl);
    // A row only the primary has (kept out of its binary log); updating it cannot be applied on the replica.
    await run(primary, 'SET sql_log_bin = 0; INSERT INTO t (id, v) VALUES (1000, 0); SET sql_log_bin = 1');
    await run(primary, 'UPDATE t SET v = 1 WHERE id = 1000');
    onTestFinished(async () => {
      await run(primary, 'SET sql_log_bin = 0; DELETE FROM t WHERE id = 1000; SET sql_log_bin = 1');
      // Skip the one transaction that cannot apply, then replicate on.
      await pair.replica.query('SET GLOBAL sql_slave_skip_counter = 1');
      await pair.startReplication();
    });
    const position = await readPrimaryPosition(primary);
    await expect.poll(async () => (await readReplicaStatus(replica))?.sqlThread, { timeout: 5000 }).toBe('No');
    const health = assessReplica(await readReplicaStatus(replica), position);
    expect(health).toMatchObject({ replicating: false, caughtUp: false, transactionsBehind: 1n });
    expect(health.problems).toEqual([
      'its SQL thread is not applying changes (Slave_SQL_Running: No)',
      expect.stringMatching(/^SQL error: Could not execute Update_rows_v1 event on table prim\.t; Can't find record in 't'/),
    ]);
  });
});

describe('probeReplicaLag', () => {
  it('measures about 0 ms for a replica that keeps up, the delay until it applies, and null past the bound', async () => {
    const primary = open(pair.primaryUrl);
    const replica = open(pair.replicaUrl);
    await pair.waitForReplica();
    const caughtUp = await probeReplicaLag(primary, replica, 2000);
    expect(caughtUp.lagMs).not.toBeNull();
    expect(caughtUp.lagMs!).toBeLessThan(500);
    expect(caughtUp.primaryPosition).toBe(await readPrimaryPosition(primary));

    await pair.stopReplication('sql');
    onTestFinished(() => pair.startReplication());
    await run(primary, 'INSERT INTO t (v) VALUES (30)');
    expect(await probeReplicaLag(primary, replica, 300)).toMatchObject({ lagMs: null });

    const probing = probeReplicaLag(primary, replica, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await pair.startReplication();
    const { lagMs } = await probing;
    expect(lagMs).toBeGreaterThanOrEqual(350);
    expect(lagMs).toBeLessThan(9000);
  });
});
