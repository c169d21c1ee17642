// What a test reads from one server of a pair. Every read here is a SHOW
// statement, never a SELECT, so reading a server's counters does not move
// its Com_select: tests count SELECTs to tell which server served a read.
import type { MariadbServer } from './mariadbd.ts';

/** The three GTID positions of a server (MariaDB's comma-separated domain-server-seq lists; '' when empty). */
export interface GtidPositions {
  /** Transactions in this server's binary log: on the primary, everything it committed. */
  readonly binlogPos: string;
  /** Transactions this server applied as a replica. */
  readonly slavePos: string;
  /** The later of the two, per domain. */
  readonly currentPos: string;
}

export async function readGtidPositions(server: MariadbServer): Promise<GtidPositions> {
  const rows = await server.query<{ Variable_name: string; Value: string }[]>(
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('gtid_binlog_pos', 'gtid_slave_pos', 'gtid_current_pos')",
  );
  const value = (name: string) => rows.find((row) => row.Variable_name.toLowerCase() === name)?.Value ?? '';
  return { binlogPos: value('gtid_binlog_pos'), slavePos: value('gtid_slave_pos'), currentPos: value('gtid_current_pos') };
}

/**
 * Numeric `SHOW GLOBAL STATUS` counters (Com_select, Com_insert, Questions, ...),
 * all of them or only `names`. A name the server does not know is an error,
 * so a typo cannot read as a counter that stayed at 0.
 */
export async function readGlobalStatus(server: MariadbServer, names?: readonly string[]): Promise<Record<string, number>> {
  const rows = names
    ? await server.query<{ Variable_name: string; Value: string }[]>(
        `SHOW GLOBAL STATUS WHERE Variable_name IN (${names.map(() => '?').join(', ')})`,
        [...names],
      )
    : await server.query<{ Variable_name: string; Value: string }[]>('SHOW GLOBAL STATUS');
  const counters: Record<string, number> = {};
  for (const row of rows) {
    const value = Number(row.Value);
    if (row.Value !== '' && Number.isFinite(value)) counters[row.Variable_name] = value;
  }
  for (const name of names ?? []) {
    const key = Object.keys(counters).find((known) => known.toLowerCase() === name.toLowerCase());
    if (key === undefined) throw new Error(`The ${server.name} has no numeric status variable ${name}.`);
    if (key !== name) counters[name] = counters[key]!;
  }
  return counters;
}

/** The replica's `SHOW SLAVE STATUS` row as strings (null for NULL), or null when it is not a replica. */
export async function readSlaveStatus(server: MariadbServer): Promise<Record<string, string | null> | null> {
  const rows = await server.query<Record<string, unknown>[]>('SHOW SLAVE STATUS');
  const row = rows[0];
  if (!row) return null;
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value === null ? null : String(value)]));
}

/** Waits until the replica's IO and SQL threads both run, or throws with the replica's own error text. */
export async function waitUntilReplicating(replica: MariadbServer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let status: Record<string, string | null> | null = null;
  for (;;) {
    status = await readSlaveStatus(replica);
    if (status?.Slave_IO_Running === 'Yes' && status.Slave_SQL_Running === 'Yes') return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const errors = [status?.Last_IO_Error, status?.Last_SQL_Error].filter(Boolean).join('; ');
  throw new Error(
    `The replica is not replicating after ${timeoutMs} ms (IO thread: ${status?.Slave_IO_Running ?? 'none'}, ` +
      `SQL thread: ${status?.Slave_SQL_Running ?? 'none'}${errors ? `; ${errors}` : ''}); its log:\n${replica.logSinceStart()}`,
  );
}
