// One mariadbd child process on a data directory of its own, a port of its
// own and a socket of its own; the machine's MariaDB (3306) is never touched.
// - The port is found by binding port 0; another process may take it before
//   mariadbd binds it, so a "port in use" exit is retried on a fresh port.
// - Readiness is a connection on the server's own unix socket: a TCP connect
//   could reach whoever took the port instead of this server.
// - The child gets SIGKILL when its parent dies (util-linux setpriv
//   --pdeathsig), so a test process killed outright leaves no server running,
//   and runs in its own process group, so a Ctrl-C in a terminal reaches only
//   the parent, which then shuts it down cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import mysql from 'mysql2/promise';
import type { MariadbBinaries } from './binaries.ts';
import { INNODB_SIZE_ARGS } from './data-dir.ts';
import { isAlive } from './leftovers.ts';

export interface MariadbServerOptions {
  readonly name: 'primary' | 'replica';
  /** Holds data/, the socket, the pid file and the error log. */
  readonly dir: string;
  readonly serverId: number;
  /** Options after the common ones (e.g. --read-only). */
  readonly extraArgs: readonly string[];
  readonly binaries: MariadbBinaries;
  /** How long a start may take before it is reported as failed. */
  readonly startTimeoutMs: number;
  /** Where the first start's port comes from (default: freePort); tests hand out taken ones. */
  readonly pickPort?: () => Promise<number>;
}

/**
 * Options both servers share. Sized for a 2-core machine shared with others
 * (small buffer pool and redo log), durable enough for a crash of the process
 * (not of the machine), and with the character set and SQL mode of the
 * Debian package's server, so the gateway behaves here as on 3306.
 */
export const COMMON_SERVER_ARGS = [
  '--bind-address=127.0.0.1',
  '--skip-name-resolve',
  '--character-set-server=utf8mb4',
  '--collation-server=utf8mb4_general_ci',
  '--log-bin=mariadb-bin',
  '--binlog-format=ROW',
  '--log-slave-updates',
  '--gtid-strict-mode=1',
  '--relay-log=relay-bin',
  '--relay-log-recovery=1',
  '--sync-binlog=0',
  '--innodb-flush-log-at-trx-commit=2',
  '--innodb-doublewrite=0',
  '--performance-schema=OFF',
  '--max-connections=200',
  ...INNODB_SIZE_ARGS,
];

const PORT_ATTEMPTS = 5;

export class MariadbServer {
  readonly name: 'primary' | 'replica';
  readonly dataDir: string;
  readonly socket: string;
  readonly pidFile: string;
  readonly errorLog: string;
  readonly tmpDir: string;
  #port = 0;
  /** Where the error log stood when the server last started. */
  #logOffset = 0;
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: MariadbServerOptions) {
    this.name = options.name;
    this.dataDir = path.join(options.dir, 'data');
    this.socket = path.join(options.dir, 'mariadbd.sock');
    this.pidFile = path.join(options.dir, 'mariadbd.pid');
    this.errorLog = path.join(options.dir, 'error.log');
    this.tmpDir = path.join(options.dir, 'tmp');
    // sun_path holds 108 bytes; a long TMPDIR would otherwise fail deep inside mariadbd.
    if (Buffer.byteLength(this.socket) > 100) {
      throw new Error(`The socket path ${this.socket} is too long for a unix socket (over 100 bytes); start the pair with a shorter baseDir.`);
    }
  }

  /** The TCP port; 0 before the first start. It stays the same across restarts. */
  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `mysql://root@127.0.0.1:${this.#port}/`;
  }

  get pid(): number | null {
    return this.running ? (this.#child?.pid ?? null) : null;
  }

  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts the server: on a fresh free port the first time, on the same port again after stop(). Resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`The ${this.name} is already running (pid ${this.#child?.pid}).`);
    if (this.#port !== 0) {
      try {
        return await this.#startOn(this.#port);
      } catch (error) {
        if (!(error instanceof PortInUseError)) throw error;
        throw new Error(`The ${this.name}'s port ${this.#port} was taken by another process while the ${this.name} was stopped, so it cannot come back on the same URL.`);
      }
    }
    for (let attempt = 1; ; attempt++) {
      const port = await (this.options.pickPort ?? freePort)();
      try {
        await this.#startOn(port);
        return;
      } catch (error) {
        if (!(error instanceof PortInUseError) || attempt >= PORT_ATTEMPTS) throw error;
      }
    }
  }

  /** Stops the server: SIGTERM (a clean shutdown) or SIGKILL (a crash); SIGKILL too if a clean shutdown takes over 30 s. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    child.kill('SIGCONT'); // a frozen server cannot act on SIGTERM
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await this.#exited;
    clearTimeout(timer);
  }

  /** SIGSTOP: the server keeps its connections and port but answers nothing, like a hung host. */
  freeze(): void {
    if (this.running) this.#child?.kill('SIGSTOP');
  }

  thaw(): void {
    if (this.running) this.#child?.kill('SIGCONT');
  }

  /**
   * Synchronous last resort for process exit handlers: SIGKILL, then up to
   * 1 s for the process to be gone, so its directory can be removed after.
   */
  killNow(): void {
    const pid = this.#child?.pid;
    if (!this.running || pid === undefined) return;
    this.#child?.kill('SIGKILL');
    const until = Date.now() + 1000;
    while (isAlive(pid) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }

  /** A new root connection over the server's unix socket (promise API); the caller ends it. */
  connect(options: mysql.ConnectionOptions = {}): Promise<mysql.Connection> {
    return mysql.createConnection({
      socketPath: this.socket,
      user: 'root',
      timezone: 'Z',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      connectTimeout: 5_000,
      ...options,
    });
  }

  /** Runs `sql` on a connection of its own and returns its rows. */
  async query<T = Record<string, any>[]>(sql: string, values?: unknown[]): Promise<T> {
    const conn = await this.connect({ multipleStatements: true });
    try {
      const [rows] = await conn.query(sql, values);
      return rows as T;
    } finally {
      await conn.end();
    }
  }

  /** The error log written since the last start, for messages. */
  logSinceStart(lines = 30): string {
    try {
      return readFileSync(this.errorLog).subarray(this.#logOffset).toString('utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no error log)';
    }
  }

  async #startOn(port: number): Promise<void> {
    const { binaries, serverId, extraArgs, startTimeoutMs } = this.options;
    this.#logOffset = existsSync(this.errorLog) ? statSync(this.errorLog).size : 0;
    mkdirSync(this.tmpDir, { recursive: true });
    const args = [
      '--no-defaults', // must come first: nothing from /etc/mysql may reach this server
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
      `--datadir=${this.dataDir}`,
      `--port=${port}`,
      `--socket=${this.socket}`,
      `--pid-file=${this.pidFile}`,
      `--log-error=${this.errorLog}`,
      // Its own temporary files in its own directory: never among those of the machine's server in /tmp.
      `--tmpdir=${this.tmpDir}`,
      `--server-id=${serverId}`,
      ...COMMON_SERVER_ARGS,
      ...extraArgs,
    ];
    const [command, argv] = binaries.setpriv
      ? [binaries.setpriv, ['--pdeathsig', 'SIGKILL', '--', binaries.server, ...args]]
      : [binaries.server, args];
    const child = spawn(command, argv, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    this.#child = child;
    this.#port = port;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      const error = await Promise.race([spawnError, sleep(50).then(() => null)]);
      if (error) throw new Error(`Could not run ${command} for the ${this.name}: ${error.message}`);
      if (!this.running) {
        const log = `${this.logSinceStart()}\n${stderr.trim()}`.trim();
        if (/Address already in use|Bind on TCP\/IP port/i.test(log)) throw new PortInUseError(port);
        throw new Error(`The ${this.name} mariadbd exited at start (${child.exitCode ?? child.signalCode}); its log:\n${log}`);
      }
      if (existsSync(this.socket) && (await this.#answers())) return;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await this.#exited;
        throw new Error(`The ${this.name} did not accept connections within ${startTimeoutMs} ms; its log:\n${this.logSinceStart()}`);
      }
    }
  }

  async #answers(): Promise<boolean> {
    try {
      const conn = await this.connect({ connectTimeout: 1_000 });
      await conn.end();
      return true;
    } catch {
      return false;
    }
  }
}

class PortInUseError extends Error {
  constructor(port: number) {
    super(`port ${port} was taken before mariadbd could bind it`);
  }
}

/** A port that was free a moment ago (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
