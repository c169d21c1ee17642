// A real MariaDB primary and a replica of it, on MariaDB's own GTID
// replication, started as children of this process for tests, CI and
// `npm run replicas`:
//
//   const pair = await startReplicaPair();
//   pair.primaryUrl, pair.replicaUrl   // mysql://root@127.0.0.1:PORT/
//   await pair.stopReplication('sql'); ... await pair.startReplication();
//   await pair.stopReplica(); ... await pair.startReplica();   // rejoins, catches up
//   await pair.waitForReplica();       // the replica has applied all the primary wrote
//   await pair.close();                // both stopped, directory removed
//
// Each pair gets its own directory (under /dev/shm where there is one; data
// directories copied from a template made once by mariadb-install-db, see
// data-dir.ts), its own ports and sockets, so pairs of
// several test files and of other engineers' runs never meet; the machine's
// MariaDB on 3306 is left alone.
//
// The replica runs with --read-only, and its root accounts lose READ_ONLY
// ADMIN (which ALL PRIVILEGES includes and which bypasses read_only), so
// even root is refused writes there, as the gateway's user should be on a
// production replica. Replication itself runs as a `repl` user.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { findMariadbBinaries } from './binaries.ts';
import { createDataDirs } from './data-dir.ts';
import { readGlobalStatus, readGtidPositions, readSlaveStatus, waitUntilReplicating, type GtidPositions } from './inspect.ts';
import { defaultBaseDir, markOwned, PAIR_DIR_PREFIX, sweepLeftovers } from './leftovers.ts';
import { MariadbServer } from './mariadbd.ts';

export type { GtidPositions } from './inspect.ts';
export type { MariadbServer } from './mariadbd.ts';

export interface ReplicaPairOptions {
  /** Where the pair's directory goes; default /dev/shm where there is one, else the OS temp dir (see leftovers.ts). */
  readonly baseDir?: string;
  /** Where mariadbd and mariadb-install-db are; default $MARIADB_BIN_DIR, PATH, /usr/sbin, ... */
  readonly binDir?: string;
  /** Bound on each server's start (and on the replica's first connection to the primary). */
  readonly startTimeoutMs?: number;
  /** Where the servers' ports come from (default: a port the kernel just found free); for tests of the retry on a taken port. */
  readonly pickPort?: () => Promise<number>;
}

export type ServerName = 'primary' | 'replica';
export type ReplicationThread = 'sql' | 'io' | 'both';

export interface ReplicaPair {
  readonly primary: MariadbServer;
  readonly replica: MariadbServer;
  /** mysql://root@127.0.0.1:PORT/ of each; append a database name for a gateway. */
  readonly primaryUrl: string;
  readonly replicaUrl: string;
  /** The pair's directory (data, sockets, logs); removed by close(). */
  readonly dir: string;
  /** How long start-up took, in ms: creating the data directory, starting both, replication running. */
  readonly timings: {
    /** Creating both data directories: a copy of the template, or mariadb-install-db first when `templateBuilt`. */
    readonly installMs: number;
    readonly templateBuilt: boolean;
    readonly serversMs: number;
    readonly replicationMs: number;
    readonly totalMs: number;
  };
  /** The environment of a gateway on this pair, for `database`. */
  env(database: string): { DATABASE_URL: string; DATABASE_REPLICA_URLS: string };
  /** STOP SLAVE [SQL_THREAD | IO_THREAD]: with the SQL thread stopped the replica still receives, but applies nothing. */
  stopReplication(thread?: ReplicationThread): Promise<void>;
  /** START SLAVE, resolved once both threads run. */
  startReplication(): Promise<void>;
  /** Stops the replica server (SIGTERM: clean shutdown; SIGKILL: a crash). */
  stopReplica(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the replica again on the same data directory and port, resolved once it replicates again. */
  startReplica(): Promise<void>;
  /** SIGSTOP / SIGCONT the replica: a server that holds its connections but answers nothing. */
  freezeReplica(): void;
  thawReplica(): void;
  /** Numeric SHOW GLOBAL STATUS counters of a server (see inspect.ts); reading them moves no Com_select. */
  globalStatus(server: ServerName, names?: readonly string[]): Promise<Record<string, number>>;
  /** gtid_binlog_pos, gtid_slave_pos and gtid_current_pos of a server. */
  gtid(server: ServerName): Promise<GtidPositions>;
  /** The replica's SHOW SLAVE STATUS row. */
  slaveStatus(): Promise<Record<string, string | null> | null>;
  /**
   * MASTER_GTID_WAIT on the replica: true once it has applied `position`
   * (default: everything the primary has logged so far), false after
   * `timeoutMs` (default 10 s). Costs the replica one Com_select.
   */
  waitForReplica(position?: string, timeoutMs?: number): Promise<boolean>;
  /** Stops both servers cleanly and removes the directory; safe to call twice. */
  close(): Promise<void>;
}

const REPL_USER = 'repl';
/** Pairs not yet closed, for the exit handler. */
const live = new Set<{ servers: MariadbServer[]; dir: string }>();

export async function startReplicaPair(options: ReplicaPairOptions = {}): Promise<ReplicaPair> {
  const started = performance.now();
  const binaries = findMariadbBinaries(options.binDir);
  const baseDir = options.baseDir ?? defaultBaseDir();
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  sweepLeftovers(baseDir);
  const dir = mkdtempSync(path.join(baseDir, PAIR_DIR_PREFIX));
  markOwned(dir);
  const primary = new MariadbServer({ name: 'primary', dir: path.join(dir, 'primary'), serverId: 1, extraArgs: [], binaries, startTimeoutMs, pickPort: options.pickPort });
  const replica = new MariadbServer({
    name: 'replica',
    dir: path.join(dir, 'replica'),
    serverId: 2,
    // A replica notices a silent primary after slave_net_timeout; the default 60 s is long for a test.
    extraArgs: ['--read-only', '--slave-net-timeout=10'],
    binaries,
    startTimeoutMs,
    pickPort: options.pickPort,
  });
  const entry = { servers: [primary, replica], dir };
  live.add(entry);
  installExitHandler();

  try {
    const { built } = await createDataDirs(binaries, baseDir, [primary.dataDir, replica.dataDir]);
    const installed = performance.now();

    await Promise.all([primary.start(), replica.start()]);
    const serversUp = performance.now();

    const password = randomBytes(12).toString('hex');
    // Not in the binary log: the replica needs no copy, and the primary's first GTID is then the test's first write.
    await primary.query(
      `SET sql_log_bin = 0; CREATE USER ${REPL_USER}@'127.0.0.1' IDENTIFIED BY ?; GRANT REPLICATION SLAVE ON *.* TO ${REPL_USER}@'127.0.0.1'`,
      [password],
    );
    // Host-name accounts (root@<hostname>) are ignored under --skip-name-resolve and cannot log in; the others lose READ_ONLY ADMIN.
    const roots = await replica.query<{ Host: string }[]>("SELECT Host FROM mysql.user WHERE User = 'root' AND Host IN ('localhost', '127.0.0.1', '::1')");
    await replica.query(
      `SET sql_log_bin = 0; REVOKE READ_ONLY ADMIN ON *.* FROM ${roots.map(() => "'root'@?").join(', ')}; ` +
        `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ?, MASTER_USER = '${REPL_USER}', MASTER_PASSWORD = ?, ` +
        // Retry a lost primary every second instead of every minute.
        'MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1; START SLAVE',
      [...roots.map((row) => row.Host), primary.port, password],
    );
    await waitUntilReplicating(replica, startTimeoutMs);
    const replicating = performance.now();

    let closed: Promise<void> | undefined;
    const pair: ReplicaPair = {
      primary,
      replica,
      primaryUrl: primary.url,
      replicaUrl: replica.url,
      dir,
      timings: {
        installMs: Math.round(installed - started),
        templateBuilt: built,
        serversMs: Math.round(serversUp - installed),
        replicationMs: Math.round(replicating - serversUp),
        totalMs: Math.round(replicating - started),
      },
      env: (database) => ({ DATABASE_URL: `${primary.url}${database}`, DATABASE_REPLICA_URLS: `${replica.url}${database}` }),
      async stopReplication(thread = 'both') {
        await replica.query(`STOP SLAVE${thread === 'sql' ? ' SQL_THREAD' : thread === 'io' ? ' IO_THREAD' : ''}`);
      },
      async startReplication() {
        await replica.query('START SLAVE');
        await waitUntilReplicating(replica, startTimeoutMs);
      },
      stopReplica: (signal) => replica.stop(signal),
      async startReplica() {
        await replica.start();
        await waitUntilReplicating(replica, startTimeoutMs);
      },
      freezeReplica: () => replica.freeze(),
      thawReplica: () => replica.thaw(),
      globalStatus: (server, names) => readGlobalStatus(server === 'primary' ? primary : replica, names),
      gtid: (server) => readGtidPositions(server === 'primary' ? primary : replica),
      slaveStatus: () => readSlaveStatus(replica),
      async waitForReplica(position, timeoutMs = 10_000) {
        const target = position ?? (await readGtidPositions(primary)).binlogPos;
        const [row] = await replica.query<{ reached: number | string | null }[]>('SELECT MASTER_GTID_WAIT(?, ?) AS reached', [target, timeoutMs / 1000]);
        return Number(row?.reached) === 0;
      },
      close: () => (closed ??= closePair(entry)),
    };
    return pair;
  } catch (error) {
    await closePair(entry);
    throw error;
  }
}

async function closePair(entry: { servers: MariadbServer[]; dir: string }): Promise<void> {
  try {
    await Promise.all(entry.servers.map((server) => server.stop()));
  } finally {
    rmSync(entry.dir, { recursive: true, force: true });
    live.delete(entry);
  }
}

let exitHandlerInstalled = false;

/** A process that exits without close() (a failed test, process.exit) still kills its servers and removes their files. */
function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.once('exit', () => {
    for (const entry of live) {
      for (const server of entry.servers) server.killNow();
      try {
        rmSync(entry.dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // the next pair's sweep removes it
      }
    }
  });
}
