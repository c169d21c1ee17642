// The import's memory stays flat whatever the file size: generates users
// files of growing length (1,000,000 lines by default; written to the temp
// directory, never committed), imports each with the real CLI into a
// database of its own, and shows peak RSS (the process's maxRSS, from the
// report) beside the file size, plus RSS sampled from /proc during the run.
//
//   tsx bench/import-rss.ts                       # 10k, 100k and 1M lines, NDJSON
//   tsx bench/import-rss.ts --lines 1000000 --format csv
//   tsx bench/import-rss.ts --lines 1000000 --heap-mb 40   # V8's old space capped: it still completes
//
// The database is mysql://root@127.0.0.1:3306/shop_bench_import unless
// BENCH_IMPORT_DATABASE_URL names another; its name must contain "bench"
// (it is dropped and created again).
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { parseDatabaseUrl } from '../src/config.ts';
import type { ImportReport } from '../src/import/report.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { lines: { type: 'string' }, format: { type: 'string', default: 'ndjson' }, batch: { type: 'string', default: '1000' }, 'heap-mb': { type: 'string' } },
});
const sizes = values.lines ? [Number(values.lines)] : [10_000, 100_000, 1_000_000];
const format = values.format === 'csv' ? 'csv' : 'ndjson';
const databaseUrl = process.env.BENCH_IMPORT_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/shop_bench_import';
const target = parseDatabaseUrl(databaseUrl, 'BENCH_IMPORT_DATABASE_URL');
if (!target.name.includes('bench')) throw new Error(`the bench database name must contain "bench", but got "${target.name}"`);

async function resetDatabase(): Promise<void> {
  const admin = await mysql.createConnection({ host: target.host, port: target.port, user: target.user, password: target.password });
  await admin.query(`DROP DATABASE IF EXISTS \`${target.name}\``);
  await admin.end();
}

/** Writes `lines` users, streamed (the generator itself stays small too). */
async function writeUsers(file: string, lines: number): Promise<void> {
  const out = createWriteStream(file);
  if (format === 'csv') out.write('name,email\n');
  for (let i = 0; i < lines; i++) {
    const name = `User ${i} Zoë 🎉`;
    const email = `user${i}@bench.example.com`;
    const line = format === 'csv' ? `"${name}",${email}\n` : `${JSON.stringify({ name, email })}\n`;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** Runs the CLI on `file`, sampling its RSS from /proc every 250 ms. */
async function importFile(file: string, reportFile: string): Promise<{ report: ImportReport; samples: number[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/import.ts', file, '--batch', values.batch!, '--report', reportFile, '--log-interval', '30'], {
    cwd: ROOT,
    // A capped old space shows the memory is bounded, not merely that V8 had room to spare.
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...(values['heap-mb'] ? { NODE_OPTIONS: `--max-old-space-size=${values['heap-mb']}` } : {}) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const samples: number[] = [];
  const timer = setInterval(async () => {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    if (kb) samples.push(Number(kb) * 1024);
  }, 250);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`the import exited ${code}`);
  return { report: JSON.parse(await readFile(reportFile, 'utf8')) as ImportReport, samples };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const dir = await mkdtemp(path.join(tmpdir(), 'gw-import-bench-'));
const rowsOut: string[] = [];
try {
  for (const lines of sizes) {
    await resetDatabase();
    const file = path.join(dir, `users-${lines}.${format}`);
    await writeUsers(file, lines);
    const { size } = await stat(file);
    const { report, samples } = await importFile(file, path.join(dir, `report-${lines}.json`));
    await rm(file);
    const seconds = report.durationMs / 1000;
    const quartiles = [0.25, 0.5, 0.75].map((q) => mb(samples[Math.floor(q * (samples.length - 1))] ?? 0));
    rowsOut.push(
      `| ${lines.toLocaleString('en-US')} | ${format} | ${mb(size)} | ${report.totals.inserted.toLocaleString('en-US')} | ${seconds.toFixed(1)} s | ${Math.round(report.totals.read / seconds).toLocaleString('en-US')} | ${mb(report.peakRssBytes)} | ${quartiles.join(' / ')} |`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
  await resetDatabase();
}
console.log(`\nold space: ${values['heap-mb'] ? `capped at ${values['heap-mb']} MB` : "V8's default"}`);
console.log('| lines | format | file | inserted | duration | rows/s | peak RSS | RSS at 25/50/75% of the run |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rowsOut) console.log(row);
