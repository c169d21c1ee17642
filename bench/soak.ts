// Soak mode: one long load of a workload (Mixed by default) on one server, RSS every 10 s, and the
// slope of RSS over time (all samples, and the second half only: the leak indicator, since the
// first minute includes JIT and pool warm-up).
import { measure, type Bench, type Target } from './harness.ts';
import { rssMb } from './servers.ts';

/** Least-squares slope of RSS (MB) over time (minutes). */
function slope(samples: { minute: number; rssMb: number }[]): number | null {
  const n = samples.length;
  if (n < 2) return null;
  const mx = samples.reduce((s, p) => s + p.minute, 0) / n;
  const my = samples.reduce((s, p) => s + p.rssMb, 0) / n;
  const sxx = samples.reduce((s, p) => s + (p.minute - mx) ** 2, 0);
  return sxx === 0 ? null : samples.reduce((s, p) => s + (p.minute - mx) * (p.rssMb - my), 0) / sxx;
}

export async function soak(bench: Bench, target: Target, log: (line: string) => void): Promise<Record<string, unknown>> {
  const { options } = bench;
  const started = Date.now();
  const samples: { minute: number; rssMb: number }[] = [];
  const sample = (): void => {
    const mb = rssMb(target.server.pid);
    if (mb !== null) samples.push({ minute: (Date.now() - started) / 60_000, rssMb: Math.round(mb * 10) / 10 });
    const last = samples.at(-1);
    if (last) log(`  soak ${last.minute.toFixed(1).padStart(4)} min  RSS ${last.rssMb.toFixed(1)} MB`);
  };
  sample();
  const timer = setInterval(sample, 10_000);
  const result = await measure(bench, target, options.soakWorkload, 1, options.soakMinutes * 60).finally(() => clearInterval(timer));
  sample();
  const steady = samples.filter((s) => s.minute >= (options.soakMinutes + options.warmup / 60) / 2);
  const out = {
    target: target.label, workload: options.soakWorkload, minutes: options.soakMinutes, result, samples,
    slopeMbPerMin: slope(samples), steadySlopeMbPerMin: slope(steady),
  };
  log(`\nsoak ${target.label} ${options.soakWorkload}: ${result.reqPerSec.toFixed(0)} req/s, RSS ${samples[0]?.rssMb} -> ${samples.at(-1)?.rssMb} MB, ` +
    `slope ${out.slopeMbPerMin?.toFixed(2)} MB/min overall, ${out.steadySlopeMbPerMin?.toFixed(2)} MB/min over the second half`);
  return out;
}
