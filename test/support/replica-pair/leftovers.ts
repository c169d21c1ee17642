// Each replica pair lives in its own directory `<base>/gw-replicas-XXXXXX`,
// marked with the process that owns it (pid and kernel start time, so a
// reused pid is not mistaken for the owner). A process killed outright
// (SIGKILL, OOM) cannot clean up: its servers die of their parent-death signal
// (see mariadbd.ts), and its directory is removed by the next pair started on
// this machine by anyone. Pairs of live processes, other engineers' runs
// included, are never touched.
import { accessSync, constants, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEMPLATE_PREFIX } from './data-dir.ts';

export const PAIR_DIR_PREFIX = 'gw-replicas-';
const OWNER_FILE = 'owner.json';
/** A directory this young without an owner file is one being created right now. */
const UNOWNED_GRACE_MS = 60_000;

interface Owner {
  pid: number;
  /** /proc/<pid>/stat field 22 (start time in clock ticks since boot); null off Linux. */
  startTime: string | null;
}

/** A pair takes ~50 MB and the template ~25 MB; several test files start pairs at once. */
const SHM_MIN_FREE_BYTES = 1024 * 1024 * 1024;

/**
 * Where pair directories go by default: /dev/shm (tmpfs) when it is there
 * with room to spare, as mariadb-install-db and the servers fsync a lot, and
 * on a disk shared with other work creating a data directory took 4-5 s
 * instead of 1.5-2 s; otherwise the OS temp dir. (A container's /dev/shm is
 * often 64 MB, too small for two pairs.)
 */
export function defaultBaseDir(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    const { bavail, bsize } = statfsSync('/dev/shm');
    if (bavail * bsize >= SHM_MIN_FREE_BYTES) return '/dev/shm';
  } catch {
    // no /dev/shm here
  }
  return os.tmpdir();
}

export function markOwned(dir: string): void {
  const owner: Owner = { pid: process.pid, startTime: processStartTime(process.pid) };
  writeFileSync(path.join(dir, OWNER_FILE), JSON.stringify(owner));
}

/** Removes the pair directories (and kills the servers still running in them) of processes that are gone. */
export function sweepLeftovers(baseDir = defaultBaseDir()): string[] {
  const removed: string[] = [];
  let entries: string[];
  let building: string[];
  try {
    const names = readdirSync(baseDir);
    entries = names.filter((name) => name.startsWith(PAIR_DIR_PREFIX));
    building = names.filter((name) => name.startsWith(TEMPLATE_PREFIX) && name.includes('.building-'));
  } catch {
    return removed;
  }
  for (const name of building) {
    // A template build (data-dir.ts) of a process that died before renaming it into place.
    const pid = Number(/\.building-(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && !isAlive(pid)) {
      rmSync(path.join(baseDir, name), { recursive: true, force: true });
      removed.push(path.join(baseDir, name));
    }
  }
  for (const name of entries) {
    const dir = path.join(baseDir, name);
    try {
      if (!isAbandoned(dir)) continue;
      killServersIn(dir);
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // another sweeper got there first, or the directory vanished: nothing to do
    }
  }
  return removed;
}

function isAbandoned(dir: string): boolean {
  let owner: Owner;
  try {
    owner = JSON.parse(readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as Owner;
  } catch {
    return Date.now() - statSync(dir).mtimeMs > UNOWNED_GRACE_MS;
  }
  if (!isAlive(owner.pid)) return true;
  const startTime = processStartTime(owner.pid);
  return owner.startTime !== null && startTime !== null && startTime !== owner.startTime;
}

/** SIGKILLs each server of the directory that still runs: its pid file names it, its command line must name the directory. */
function killServersIn(dir: string): void {
  for (const server of ['primary', 'replica']) {
    let pid: number;
    try {
      pid = Number(readFileSync(path.join(dir, server, 'mariadbd.pid'), 'utf8').trim());
    } catch {
      continue;
    }
    if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) continue;
    } catch {
      continue;
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Running, and not a zombie (a dead process whose parent has not reaped it still answers kill(pid, 0)). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procStat(pid)?.[0] !== 'Z';
}

function processStartTime(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

/** /proc/<pid>/stat from field 3 (state) on; null off Linux or when the process is gone. */
function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}
