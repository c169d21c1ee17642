// Finds the MariaDB programs a replica pair needs, once per process, and says
// plainly what to install when one is missing: a test that cannot start a
// pair should fail with "install mariadb-server", not with ENOENT from spawn.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export interface MariadbBinaries {
  /** The server: mariadbd (or mysqld of an older MariaDB). */
  readonly server: string;
  /** Creates a data directory: mariadb-install-db (or mysql_install_db). */
  readonly installDb: string;
  /** util-linux setpriv, to give each server a parent-death signal; null when absent (leftovers are then swept at the next start). */
  readonly setpriv: string | null;
  /** `mariadbd --version`, e.g. "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu". */
  readonly version: string;
}

/** Where Debian, RPM and tarball installs put the server when it is not on PATH. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/mysql/bin', '/usr/local/mysql/scripts', '/opt/mariadb/bin'];

let found: MariadbBinaries | undefined;

/**
 * The programs, looked up in `binDir` (or $MARIADB_BIN_DIR) first, then PATH,
 * then the usual install directories (found once per process). Throws an
 * error naming what is missing and how to get it.
 */
export function findMariadbBinaries(binDir = process.env.MARIADB_BIN_DIR): MariadbBinaries {
  if (binDir === undefined && found) return found;
  const dirs = [...(binDir ? [binDir] : []), ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  const result = findMariadbBinariesIn(dirs);
  if (binDir === undefined) found = result;
  return result;
}

/** The same, in exactly these directories. */
export function findMariadbBinariesIn(dirs: readonly string[]): MariadbBinaries {
  const server = lookUp(['mariadbd', 'mysqld'], dirs);
  const installDb = lookUp(['mariadb-install-db', 'mysql_install_db'], dirs);
  if (!server || !installDb) {
    const missing = [server ? null : 'mariadbd', installDb ? null : 'mariadb-install-db'].filter(Boolean);
    throw new Error(
      `A replica pair needs ${missing.join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed ` +
        `(looked in ${dirs.join(', ')}). ` +
        'On Debian/Ubuntu: apt-get install mariadb-server (its package mariadb-server-core holds both); ' +
        'elsewhere set MARIADB_BIN_DIR to the directory that holds them.',
    );
  }
  let version: string;
  try {
    version = execFileSync(server, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    throw new Error(`${server} --version failed, so it cannot run a replica pair: ${(error as Error).message}`);
  }
  if (!/MariaDB/i.test(version)) {
    throw new Error(`${server} is not MariaDB (${version}); a replica pair is built on MariaDB's own GTID replication and its mariadb-install-db.`);
  }
  return { server, installDb, setpriv: lookUp(['setpriv'], dirs) ?? lookUp(['setpriv'], ['/usr/bin', '/bin']), version };
}

function lookUp(names: readonly string[], dirs: readonly string[]): string | null {
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  return null;
}
