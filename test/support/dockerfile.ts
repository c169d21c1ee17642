// Reads a Dockerfile into stages and instructions, and reproduces its build
// without a Docker engine (none runs in CI): each stage is a folder standing for
// its filesystem, COPY copies into it, RUN runs there, but only the commands
// CI itself runs (anything else is refused, so a new RUN cannot go untested).
import { execFile } from 'node:child_process';
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly image: string;
  readonly name: string | null;
  readonly instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let logical = lines[i]!.trim();
    if (logical === '' || logical.startsWith('#')) continue;
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      logical = logical.slice(0, -1).trimEnd();
      const next = lines[++i]!.trim();
      if (!next.startsWith('#')) logical += ` ${next}`;
    }
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(logical) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.trim(), line: start };
    if (instruction.keyword === 'FROM') {
      const [, image = '', name = null] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args) ?? [];
      stages.push({ image, name, instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`Dockerfile line ${start}: ${keyword} before any FROM`);
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

export function only(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** The exec (JSON array) form of CMD / HEALTHCHECK CMD / RUN, or null for the shell form. */
export function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not an exec form: ${args}`);
  return parsed;
}

/** ENV a=b c="d e" (and the old ENV a b) as pairs. */
export function envPairs(args: string): Record<string, string> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [name = '', ...rest] = args.split(/\s+/);
    return { [name]: rest.join(' ') };
  }
  const pairs: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    pairs[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  }
  return pairs;
}

/** HEALTHCHECK [--option=value ...] CMD ...: its options and its command in exec form. */
export function healthcheck(args: string): { options: Record<string, string>; command: string[] } {
  const options: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(rest); m; m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    options[m[1]!] = m[2]!;
    rest = rest.slice(m[0].length);
  }
  if (!rest.startsWith('CMD ')) throw new Error(`HEALTHCHECK without CMD: ${args}`);
  const body = rest.slice(4).trim();
  return { options, command: execForm(body) ?? ['/bin/sh', '-c', body] };
}

export interface BuiltImage {
  /** The folder standing for the final stage's filesystem root. */
  readonly root: string;
  /** The final stage's WORKDIR, inside root. */
  readonly workdir: string;
  readonly env: Record<string, string>;
  readonly user: string | null;
  readonly cmd: string[];
  readonly healthcheck: { options: Record<string, string>; command: string[] } | null;
  /** Every RUN command reproduced, in order, across all stages. */
  readonly ran: string[];
}

/**
 * Builds `stages` in `into` (one folder per stage) from the context `context`.
 * `allowRun` decides which RUN commands may be reproduced; others throw.
 */
export async function buildWithoutDocker(stages: Stage[], context: string, into: string, allowRun: (command: string) => boolean): Promise<BuiltImage> {
  const roots = new Map<string, string>();
  const ran: string[] = [];
  let last: BuiltImage | null = null;
  for (const [index, stage] of stages.entries()) {
    const root = path.join(into, stage.name ?? `stage${index}`);
    await mkdir(root, { recursive: true });
    roots.set(stage.name ?? String(index), root);
    let workdir = '/';
    const env: Record<string, string> = {};
    let user: string | null = null;
    let cmd: string[] = [];
    let check: BuiltImage['healthcheck'] = null;
    const inside = (p: string) => path.join(root, path.posix.resolve(workdir, p));
    for (const { keyword, args, line } of stage.instructions) {
      if (keyword === 'WORKDIR') {
        workdir = path.posix.resolve(workdir, args);
        await mkdir(inside('.'), { recursive: true });
      } else if (keyword === 'ENV') Object.assign(env, envPairs(args));
      else if (keyword === 'USER') user = args;
      else if (keyword === 'CMD') cmd = execForm(args) ?? ['/bin/sh', '-c', args];
      else if (keyword === 'HEALTHCHECK') check = healthcheck(args);
      else if (keyword === 'COPY') {
        const words = args.split(/\s+/);
        const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
        const paths = words.filter((w) => !w.startsWith('--'));
        const dest = paths.pop()!;
        const sourceRoot = from ? roots.get(from) : undefined;
        if (from && !sourceRoot) throw new Error(`Dockerfile line ${line}: COPY --from=${from}, a stage not built before`);
        for (const source of paths) {
          const src = sourceRoot ? path.join(sourceRoot, source) : path.join(context, source);
          const target = dest.endsWith('/') ? path.join(inside(dest), path.basename(source)) : inside(dest);
          await cp(src, target, { recursive: true });
        }
      } else if (keyword === 'RUN') {
        if (!allowRun(args)) throw new Error(`Dockerfile line ${line} runs \`${args}\`, which CI does not run: reproduce it in test/container.test.ts`);
        await run('/bin/sh', ['-c', args], { cwd: inside('.'), env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
        ran.push(args);
      }
    }
    last = { root, workdir: inside('.'), env, user, cmd, healthcheck: check, ran };
  }
  if (!last) throw new Error('the Dockerfile has no stage');
  return last;
}
