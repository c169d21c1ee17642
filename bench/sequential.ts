// Closed-loop requests over keep-alive connections, one at a time per connection: the
// single-request latency of the growth table (concurrency 1, no load beside it), and the fixed
// request counts of bench/instructions.sh. Each answer must be a 200 without "errors".
import http from 'node:http';
import { quantile } from './stats.ts';

export interface SequentialOptions {
  /** Stop after this many requests... */
  count: number;
  /** ...or once this many seconds have gone by, whichever comes first (at least `minCount` are sent). */
  seconds?: number;
  minCount?: number;
  concurrency?: number;
}

export interface SequentialResult {
  requests: number;
  failed: number;
  /** The first failure's status and body start, to say why. */
  firstFailure: string | null;
  p50: number; // ms, to the microsecond
  p95: number;
  p99: number;
  mean: number;
}

const ms3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Sends bodies[0], bodies[1], ... (cycling) to `origin`/graphql. */
export async function runSequential(origin: string, bodies: readonly string[], opts: SequentialOptions): Promise<SequentialResult> {
  const url = new URL(origin);
  const concurrency = opts.concurrency ?? 1;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const deadline = opts.seconds === undefined ? Infinity : performance.now() + opts.seconds * 1000;
  const minCount = Math.min(opts.minCount ?? 1, opts.count);
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  let firstFailure: string | null = null;

  const one = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.request(
        {
          host: url.hostname, port: Number(url.port), path: '/graphql', method: 'POST', agent,
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json;q=0.9', 'content-length': Buffer.byteLength(text) },
        },
        (res) => {
          let answer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (answer += chunk));
          res.on('end', () => {
            latencies.push(performance.now() - started);
            if (res.statusCode !== 200 || answer.includes('"errors"')) {
              failed++;
              firstFailure ??= `${res.statusCode} ${answer.slice(0, 300)}`;
            }
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(text);
    });

  const more = (): boolean => next < opts.count && (next < minCount || performance.now() < deadline);
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (more()) await one(bodies[next++ % bodies.length]!);
  }));
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    failed,
    firstFailure,
    p50: ms3(quantile(sorted, 0.5)),
    p95: ms3(quantile(sorted, 0.95)),
    p99: ms3(quantile(sorted, 0.99)),
    mean: ms3(latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length)),
  };
}
