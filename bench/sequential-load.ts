// A small closed-loop HTTP client for bench/instructions.sh: sends `count` requests of one
// workload over `concurrency` keep-alive connections, the bodies from the benchmark's own
// deterministic generator, and fails if any answer is not a 200 without errors.
//   tsx bench/sequential-load.ts <port> <workload> <count> [concurrency] [scale]
// DeepPage and Mixed first walk the users list of that server for their cursors (bench/cursors.ts).
import { bodies, LOAD_WORKLOADS, type LoadWorkload } from './bodies.ts';
import { walkUserCursors } from './cursors.ts';
import { runSequential } from './sequential.ts';

const [port, workload, countText, concurrencyText = '4', scaleText = '1'] = process.argv.slice(2);
if (!port || !LOAD_WORKLOADS.includes(workload ?? '') || !countText) {
  console.error(`usage: tsx bench/sequential-load.ts <port> <${LOAD_WORKLOADS.join('|')}> <count> [concurrency] [scale]`);
  process.exit(2);
}
const origin = `http://127.0.0.1:${port}`;
const needsCursors = workload === 'DeepPage' || workload === 'Mixed';
const ctx = { scale: Number(scaleText), userCursors: needsCursors ? await walkUserCursors(origin) : [] };
const count = Number(countText);
const result = await runSequential(origin, bodies(workload as LoadWorkload, 7, ctx, Math.min(count, 4_096)), { count, concurrency: Number(concurrencyText) });
if (result.failed > 0) {
  console.error(`${result.failed} of ${count} requests failed; the first: ${result.firstFailure}`);
  process.exit(1);
}
