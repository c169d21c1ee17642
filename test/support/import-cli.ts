// Runs `npm run import` as an operator does: the real CLI in its own process
// (node --import tsx src/cli/import.ts) against a test database, with files
// written to a temporary directory of the test's own.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { Config } from '../../src/config.ts';
import type { ImportReport } from '../../src/import/report.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The --report file, when the run wrote one. */
  report: ImportReport | null;
}

/** A temporary directory removed after the file's tests. */
export function useTempDir(): { path: (name: string) => string; write: (name: string, content: string | Buffer) => Promise<string> } {
  let dir = '';
  const ready = mkdtemp(path.join(tmpdir(), 'gw-import-')).then((made) => (dir = made));
  afterAll(async () => {
    await ready;
    await rm(dir, { recursive: true, force: true });
  });
  return {
    path: (name) => path.join(dir, name),
    async write(name, content) {
      await ready;
      const file = path.join(dir, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
      return file;
    },
  };
}

export async function runImportCli(config: Config, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const reportAt = args.indexOf('--report');
  const reportFile = reportAt === -1 ? null : args[reportAt + 1]!;
  if (reportFile) await rm(reportFile, { force: true });
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/import.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: config.databaseUrl, LOG_LEVEL: 'silent', ...env }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
  let report: ImportReport | null = null;
  if (reportFile) report = JSON.parse(await readFile(reportFile, 'utf8').catch(() => 'null')) as ImportReport | null;
  return { code, stdout, stderr, report };
}

/** The last line of stdout: the summary. */
export function summary(run: CliRun): string {
  return run.stdout.trim().split('\n').at(-1) ?? '';
}
