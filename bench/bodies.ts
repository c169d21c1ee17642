// The request bodies of a load run: built in advance from a deterministic PRNG, so every server
// gets the same sequence, and cycled through by autocannon (bench/load.ts) or sent one by one
// (bench/sequential.ts).
import { prng } from './common.ts';
import type { WorkloadContext } from './inputs.ts';
import { requestBody, type OperationName, type Workload } from './operations.ts';

/** What a load runs: a workload (the bench's), or the three-operation mix older soaks used. */
export type LoadWorkload = Workload | 'Mixed3';
export const LOAD_WORKLOADS: readonly string[] = ['UserById', 'Dashboard', 'PlaceOrder', 'SearchBox', 'OrderList', 'ClientDocument', 'DeepPage', 'Mixed', 'Mixed3'];

const BODIES = 4_096;
/** The soak mix of rounds 1-8 (bench/RESULTS.md): 70% UserById, 20% Dashboard, 10% PlaceOrder. */
const MIX3: [number, OperationName][] = [[0.7, 'UserById'], [0.9, 'Dashboard'], [1, 'PlaceOrder']];

/** The request bodies autocannon cycles through, the same for every server given the same seed. */
export function bodies(workload: LoadWorkload, seed: number, ctx: WorkloadContext, count = workload === 'Dashboard' ? 1 : BODIES): string[] {
  const rand = prng(seed);
  return Array.from({ length: count }, () => {
    if (workload !== 'Mixed3') return JSON.stringify(requestBody(workload, rand, ctx));
    const r = rand();
    return JSON.stringify(requestBody(MIX3.find(([w]) => r < w)?.[1] ?? 'UserById', rand, ctx));
  });
}

