// The image, checked without a Docker engine (none runs in CI, and images
// cannot be pulled): the Dockerfile read statically, then its build reproduced
// in a folder (its COPYs, its `RUN npm ci --omit=dev`, the very command), its
// CMD and compose.yaml's gateway command started from that folder against a
// test database, and its HEALTHCHECK run against them.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.ts';
import { createTestDatabase } from './support/db.ts';
import { buildWithoutDocker, envPairs, execForm, healthcheck, only, parseDockerfile, type BuiltImage } from './support/dockerfile.ts';
import { parseJsonLine } from './support/process.ts';
import { redisReachable, TEST_REDIS_URL } from './support/redis.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The RUN commands CI runs itself, so the image's are known to work. */
const CI_RUNS = new Set(['npm ci --omit=dev --no-audit --no-fund']);

const stages = parseDockerfile(await readFile(path.join(ROOT, 'Dockerfile'), 'utf8'));
const final = stages.at(-1)!;
const packageJson = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; dependencies: Record<string, string> };

describe('the Dockerfile', () => {
  it('has a dependency stage and a runtime stage on a Node that CI tests', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      const major = /^node:(\d+)-/.exec(stage.image)?.[1];
      expect(major, `${stage.image} is not an official node image with a major version`).toBeDefined();
      expect(packageJson.engines.node, `engines does not admit the image's Node ${major}`).toContain(`^${major}.`);
    }
    expect(only(final, 'COPY').some((c) => /--from=\S+ .*node_modules/.test(c.args)), 'the runtime stage takes node_modules from an earlier stage').toBe(true);
    expect(only(final, 'RUN'), 'the runtime stage installs nothing itself').toEqual([]);
  });

  it('runs as a user that is not root, on HOST=0.0.0.0, with a HEALTHCHECK on /health and node itself as CMD', () => {
    const user = only(final, 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    const env = Object.assign({}, ...only(final, 'ENV').map((e) => envPairs(e.args))) as Record<string, string>;
    expect(env.HOST).toBe('0.0.0.0');
    expect(only(final, 'EXPOSE').map((e) => e.args)).toEqual([env.PORT]);
    const checks = only(final, 'HEALTHCHECK').map((h) => healthcheck(h.args));
    expect(checks).toHaveLength(1);
    expect(checks[0]!.command.join(' ')).toContain('/health');
    expect(Object.keys(checks[0]!.options).sort()).toEqual(['interval', 'retries', 'start-period', 'timeout']);
    // The exec form: node is PID 1's child-free main process and gets SIGTERM itself.
    expect(execForm(only(final, 'CMD').at(-1)!.args)).toEqual(['node', '--import', 'tsx', 'src/main.ts']);
    // tsx runs the sources at start, so it must survive --omit=dev.
    expect(packageJson.dependencies.tsx, 'tsx must be a runtime dependency').toBeDefined();
  });

  it('runs only commands CI runs, and copies only files that exist', async () => {
    for (const stage of stages) {
      for (const run of only(stage, 'RUN')) expect(CI_RUNS.has(run.args), `Dockerfile line ${run.line}: \`${run.args}\` is not a command CI runs`).toBe(true);
    }
    const { access } = await import('node:fs/promises');
    for (const copy of stages.flatMap((s) => only(s, 'COPY')).filter((c) => !c.args.includes('--from='))) {
      for (const source of copy.args.split(/\s+/).slice(0, -1)) await access(path.join(ROOT, source));
    }
  });
});

// The image runs Node <major>; reproduced on another Node it would prove something the image never
// does, so that part runs in .ci/run's run on the image's Node (24) only.
const imageNode = /^node:(\d+)-/.exec(final.image)?.[1];
const otherNode = process.versions.node.split('.')[0] !== imageNode;
if (otherNode) console.warn(`[container] image reproduction skipped: this is Node ${process.versions.node}, the image runs Node ${imageNode} (.ci/run's Node ${imageNode} run does it)`);

describe.skipIf(otherNode)('the image, built without Docker', () => {
  let image: BuiltImage;
  let into: string;
  let config: Config;
  let redis = false;

  beforeAll(async () => {
    into = await mkdtemp(path.join(tmpdir(), 'gw-image-'));
    image = await buildWithoutDocker(stages, ROOT, into, (command) => CI_RUNS.has(command));
    config = await createTestDatabase('container');
    redis = await redisReachable();
  }, 300_000);

  afterAll(async () => {
    if (into) await rm(into, { recursive: true, force: true });
  });

  it('installed production dependencies only, tsx and GraphiQL among them', async () => {
    expect(image.ran).toEqual(['npm ci --omit=dev --no-audit --no-fund']);
    const installed = path.join(image.workdir, 'node_modules');
    await expect(readFile(path.join(installed, 'tsx/package.json'), 'utf8')).resolves.toContain('"name": "tsx"');
    await expect(readFile(path.join(installed, '@graphql-yoga/render-graphiql/package.json'), 'utf8')).resolves.toContain('render-graphiql');
    await expect(readFile(path.join(installed, 'vitest/package.json'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('starts with its CMD, serves GraphQL and GraphiQL, passes its HEALTHCHECK, and fails it once stopped', { timeout: 60_000 }, async () => {
    const gateway = await start(image, image.cmd, { DATABASE_URL: config.databaseUrl });
    try {
      const health = await runHealthcheck(image, gateway.port);
      expect(health, 'HEALTHCHECK while serving').toBe(0);
      const base = `http://127.0.0.1:${gateway.port}`;
      const answer = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ productCount }"}' });
      expect(await answer.json()).toEqual({ data: { productCount: 0 } });
      const page = await (await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } })).text();
      const script = /src="([^"]+graphiql\.js)"/.exec(page)?.[1];
      expect(script).toBeDefined();
      expect((await fetch(`${base}${script}`)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
    expect(gateway.exitCode(), 'SIGTERM ends the gateway with 0').toBe(0);
    expect(await runHealthcheck(image, gateway.port), 'HEALTHCHECK once stopped').not.toBe(0);
  });

  it("starts with compose.yaml's gateway command: demo data into the empty database, then serving", { timeout: 120_000 }, async () => {
    const compose = parseYaml(await readFile(path.join(ROOT, 'compose.yaml'), 'utf8')) as { services: Record<string, { command: string[]; environment: Record<string, string> }> };
    const service = compose.services.gateway!;
    // The compose network's hosts stand for this machine's test database and Redis.
    const env: Record<string, string> = { ...service.environment, DATABASE_URL: config.databaseUrl };
    if (redis) env.REDIS_URL = TEST_REDIS_URL;
    else delete env.REDIS_URL;
    const gateway = await start(image, service.command, env);
    try {
      const res = await fetch(`http://127.0.0.1:${gateway.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ users(first: 1) { totalCount } productCount }"}',
      });
      const body = (await res.json()) as { data: { users: { totalCount: number }; productCount: number } };
      expect(body.data.users.totalCount).toBeGreaterThan(100);
      expect(body.data.productCount).toBeGreaterThan(10);
      expect(gateway.lines.some((l) => /^Seeded \d+ users/.test(l))).toBe(true);
    } finally {
      await gateway.stop();
    }
  });
});

interface Started {
  readonly port: number;
  readonly lines: string[];
  exitCode(): number | null;
  stop(): Promise<void>;
}

/** Starts `command` as the image would, from its WORKDIR with its ENV, plus `env`. */
async function start(image: BuiltImage, command: string[], env: Record<string, string>): Promise<Started> {
  const child = spawn(command[0]!, command.slice(1), {
    cwd: image.workdir,
    // HOST=127.0.0.1 and PORT=0: this is a shared machine, not a container; 0.0.0.0 and 4000 belong to the container.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...image.env, ...env, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`\`${command.join(' ')}\` did not listen within 60 s:\n${lines.join('\n')}`)), 60_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line);
        const listening = parseJsonLine(line);
        if (typeof listening?.port === 'number') {
          clearTimeout(timer);
          resolve(listening.port);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`\`${command.join(' ')}\` exited before listening:\n${lines.join('\n')}`)));
  });
  return {
    port,
    lines,
    exitCode: () => child.exitCode,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs the image's HEALTHCHECK command against a gateway on `port`; its exit code. */
function runHealthcheck(image: BuiltImage, port: number): Promise<number> {
  const [file, ...args] = image.healthcheck!.command;
  return new Promise((resolve) => {
    execFile(file!, args, { cwd: image.workdir, env: { PATH: process.env.PATH ?? '', ...image.env, PORT: String(port) }, timeout: 10_000 }, (error) =>
      resolve(error ? (typeof error.code === 'number' ? error.code : 1) : 0),
    );
  });
}
