// Runs the real server process (`node --import tsx src/main.ts`), or another
// entry point such as the job worker (src/cli/worker.ts), with a given
// environment and collects its output line by line.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** stdout and stderr lines so far, in arrival order. */
  readonly lines: string[];
  /** Resolves with the first line (parsed as JSON when it is) matching `predicate`; rejects after `withinMs`. */
  waitForLine(predicate: (line: string, json: Record<string, any> | null) => boolean, withinMs: number): Promise<Record<string, any> | string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function parseJsonLine(line: string): Record<string, any> | null {
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' ? (value as Record<string, any>) : null;
  } catch {
    return null;
  }
}

export function spawnGateway(env: Record<string, string>, script = 'src/main.ts'): GatewayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) if (line.trim() !== '') lines.push(line);
      for (const wake of waiters) wake();
    });
    stream.on('end', () => {
      if (rest.trim() !== '') lines.push(rest);
      for (const wake of waiters) wake();
    });
  };
  collect(child.stdout!);
  collect(child.stderr!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  return {
    child,
    lines,
    exited,
    waitForLine(predicate, withinMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of lines) {
            const json = parseJsonLine(line);
            if (predicate(line, json)) {
              finish();
              resolve(json ?? line);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no matching line within ${withinMs} ms; output:\n${lines.join('\n')}`));
        }, withinMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Ends the process if a test left it running (SIGKILL, by its own pid). */
export function killIfRunning(gateway: GatewayProcess | undefined): void {
  if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null) gateway.child.kill('SIGKILL');
}
