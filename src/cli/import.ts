// `npm run import -- FILES... [--type users|products|orders] [--report FILE]
// [--on-conflict skip|update|fail] [--concurrency N] [--batch N] [--historical]
// [--max-errors N] [--log-interval SECONDS]`: loads NDJSON or CSV files (or
// directories of them) with the mutations' rules, prints one line per file
// and a summary, writes a JSON report, and exits 0 only when no row failed
// (1 when some did, 2 for a usage error, 130 when interrupted).
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { createDb } from '../db/pool.ts';
import { migrate } from '../db/startup.ts';
import { resolveFiles } from '../import/files.ts';
import { createProgress } from '../import/progress.ts';
import { exitCode, fileLines, summaryLine } from '../import/report.ts';
import { runImport } from '../import/run-files.ts';
import { IMPORT_KINDS, ON_CONFLICT, type ImportKind, type OnConflict } from '../import/types.ts';

const USAGE = `usage: npm run import -- FILES_OR_DIRECTORIES... [--type users|products|orders] [--report FILE]
       [--on-conflict skip|update|fail] [--concurrency N] [--batch N] [--historical] [--max-errors N] [--log-interval SECONDS]`;
export const MAX_BATCH = 5000;

class UsageError extends Error {}

function wholeNumber(raw: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${flag} must be a whole number between ${min} and ${max}, but got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

function oneOf<T extends string>(raw: string | undefined, flag: string, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, but got ${JSON.stringify(raw)}`);
  return raw as T;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        type: { type: 'string' },
        report: { type: 'string' },
        'on-conflict': { type: 'string' },
        concurrency: { type: 'string' },
        batch: { type: 'string' },
        historical: { type: 'boolean', default: false },
        'max-errors': { type: 'string' },
        'log-interval': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = args;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name at least one file or directory to import');
  const type = oneOf<ImportKind>(values.type, 'type', IMPORT_KINDS) ?? null;
  const onConflict = oneOf<OnConflict>(values['on-conflict'], 'on-conflict', ON_CONFLICT) ?? 'skip';
  const batchSize = wholeNumber(values.batch, 'batch', 1000, 1, MAX_BATCH);
  const maxErrors = wholeNumber(values['max-errors'], 'max-errors', 1000, 0, 1_000_000);
  const intervalMs = wholeNumber(values['log-interval'], 'log-interval', 5, 1, 3600) * 1000;
  const config = loadConfig();
  const wanted = wholeNumber(values.concurrency, 'concurrency', 4, 1, 1000);
  // Each file in flight holds a pool connection for its batch: never more files than connections.
  const concurrency = Math.min(wanted, config.dbPoolSize);
  if (concurrency < wanted) console.log(`note: --concurrency ${wanted} lowered to ${concurrency}, the pool size (DB_POOL_SIZE)`);

  const tasks = await resolveFiles(positionals, type);
  if (tasks.length === 0) throw new UsageError(`no .csv, .ndjson or .jsonl files in ${positionals.join(', ')}`);
  await migrate(config);
  const db = createDb(config);
  const interrupted = new AbortController();
  const onSignal = () => {
    if (!interrupted.signal.aborted) console.log('interrupted: stopping every file before its next batch (committed batches stay)');
    interrupted.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = createProgress(process.stdout, { tty: process.stdout.isTTY === true, intervalMs });
  let report;
  try {
    report = await runImport(db, tasks, { onConflict, historical: values.historical, batchSize, concurrency, maxErrors, signal: interrupted.signal }, progress);
  } finally {
    progress.stop();
    await db.destroy();
  }
  for (const file of report.files) {
    if (file.failedLines.length > 0 || file.error) for (const line of fileLines(file).slice(1)) console.log(line);
  }
  if (values.report) {
    await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`report written to ${values.report}`);
  }
  console.log(summaryLine(report));
  return interrupted.signal.aborted ? 130 : exitCode(report);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`import: ${error.message}\n${USAGE}`);
      process.exit(2);
    }
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    console.error(`import failed: ${message}`);
    process.exit(1);
  },
);
