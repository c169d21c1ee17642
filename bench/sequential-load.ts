// A small closed-loop HTTP client for bench/instructions.sh: sends `count`
// requests of one workload over `concurrency` keep-alive connections, the
// bodies from the benchmark's own deterministic generator, and fails if any
// answer is not a 200 without errors.
//   tsx bench/sequential-load.ts <port> <UserById|Dashboard|PlaceOrder> <count> [concurrency]
import http from 'node:http';
import { prng } from './common.ts';
import { requestBody, WORKLOADS, type OperationName } from './operations.ts';

const [port, workload, countText, concurrencyText = '4'] = process.argv.slice(2);
if (!port || !WORKLOADS.includes(workload as OperationName) || !countText) {
  console.error('usage: tsx bench/sequential-load.ts <port> <UserById|Dashboard|PlaceOrder> <count> [concurrency]');
  process.exit(2);
}
const rand = prng(7);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrencyText) });
let left = Number(countText);
let failed = 0;

function one(): Promise<void> {
  const body = JSON.stringify(requestBody(workload as OperationName, rand));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: Number(port), path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200 || text.includes('"errors"')) failed++;
          resolve();
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

await Promise.all(Array.from({ length: Number(concurrencyText) }, async () => { while (left-- > 0) await one(); }));
agent.destroy();
if (failed > 0) {
  console.error(`${failed} of ${countText} requests failed`);
  process.exit(1);
}
