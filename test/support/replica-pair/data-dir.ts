// Fresh data directories for a pair's servers. mariadb-install-db takes 1-2 s
// on an idle machine and 5 s on a busy one, for the same result every time,
// so it runs once per MariaDB version and set of options: its output is kept
// as a template (`<base>/gw-mariadb-template-<hash>`, about 25 MB) that every
// later pair copies in well under a second. The template is built under a
// temporary name and renamed into place, so a reader never sees half of one;
// two processes building at once both succeed and one rename wins. A
// template that cannot be copied is rebuilt.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { MariadbBinaries } from './binaries.ts';

export const TEMPLATE_PREFIX = 'gw-mariadb-template-';

/** Options of the data directory: InnoDB's file sizes must match between install and server. */
export const INNODB_SIZE_ARGS = ['--innodb-buffer-pool-size=32M', '--innodb-log-file-size=8M', '--innodb-data-file-path=ibdata1:10M:autoextend'];

function installArgs(dataDir: string): string[] {
  return [
    '--no-defaults',
    `--datadir=${dataDir}`,
    ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    // root@localhost and root@127.0.0.1 with an empty password, as on the machine's server in CI.
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
    ...INNODB_SIZE_ARGS,
  ];
}

/** Fills each of `dataDirs` (which must not exist yet) with a fresh data directory; says whether the template was built now. */
export async function createDataDirs(binaries: MariadbBinaries, baseDir: string, dataDirs: readonly string[]): Promise<{ built: boolean }> {
  const key = createHash('sha256')
    .update(JSON.stringify([binaries.version, binaries.installDb, binaries.server, process.getuid?.() ?? null, installArgs('')]))
    .digest('hex')
    .slice(0, 16);
  const template = path.join(baseDir, `${TEMPLATE_PREFIX}${key}`);
  let built = false;
  if (!existsSync(template)) {
    await buildTemplate(binaries, template);
    built = true;
  }
  try {
    copyInto(template, dataDirs);
  } catch {
    // Damaged (a file removed by hand?): build it again once.
    rmSync(template, { recursive: true, force: true });
    await buildTemplate(binaries, template);
    built = true;
    copyInto(template, dataDirs);
  }
  return { built };
}

function copyInto(template: string, dataDirs: readonly string[]): void {
  for (const dataDir of dataDirs) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    cpSync(template, dataDir, { recursive: true, errorOnExist: true, force: false });
  }
}

async function buildTemplate(binaries: MariadbBinaries, template: string): Promise<void> {
  const building = `${template}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await promisify(execFile)(binaries.installDb, installArgs(building), { timeout: 120_000, maxBuffer: 4 * 1024 * 1024 });
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${binaries.installDb} could not create a data directory: ${message}\n${output}`);
  }
  try {
    renameSync(building, template);
  } catch (error) {
    // Another process renamed its template into place first: use that one.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(template)) throw error;
  }
}
