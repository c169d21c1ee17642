// compose.yaml, checked statically (no Docker engine runs in CI): valid for
// `docker-compose config` (Debian's docker-compose, offline, no engine needed),
// and its services, images, ports, environment and healthchecks are what the
// README's "Run it in containers" says; the gateway's environment is made of
// variables .env.example lists and loadConfig accepts. (That the gateway's
// command really starts: container.test.ts.)
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { envPairs, healthcheck, only, parseDockerfile } from './support/dockerfile.ts';
import { readEnvExample } from './support/env-example.ts';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COMPOSE_FILE = path.join(ROOT, 'compose.yaml');

interface Service {
  image?: string;
  build?: string | { context: string };
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
}
const compose = parseYaml(await readFile(COMPOSE_FILE, 'utf8')) as { services: Record<string, Service> };
const runtime = parseDockerfile(await readFile(path.join(ROOT, 'Dockerfile'), 'utf8')).at(-1)!;
const imageEnv = Object.assign({}, ...only(runtime, 'ENV').map((e) => envPairs(e.args))) as Record<string, string>;

/** The README's section on containers: its table rows, and the `NAME=value` pairs it names. */
async function readmeSection() {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const section = /\n## Run it in containers\n([\s\S]*?)\n## /.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "## Run it in containers" section');
  const rows = section
    .split('\n')
    .filter((line) => /^\| `[a-z-]+` \|/.test(line))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
  const pairs = Object.fromEntries([...section.matchAll(/`([A-Z][A-Z0-9_]*)=([^`\s]+)`/g)].map((m) => [m[1]!, m[2]!]));
  return { rows, pairs };
}

/** docker-compose, or why it cannot be had (CI installs it; only a failed install may skip). */
function composeSkipReason(): string | null {
  if (existsSync('/usr/bin/docker-compose')) return null;
  if (process.env.DOCKER_COMPOSE_UNAVAILABLE) return `docker-compose could not be installed: ${process.env.DOCKER_COMPOSE_UNAVAILABLE}`;
  if (process.env.CI) return null;
  return '/usr/bin/docker-compose is missing (apt-get install -y docker-compose, as .ci/run does)';
}
const skipValidation = composeSkipReason();
if (skipValidation) console.warn(`[compose] validation skipped: ${skipValidation}`);

describe.skipIf(skipValidation !== null)('docker-compose config', () => {
  it('accepts compose.yaml as it is, offline and without an engine', async () => {
    const { stdout } = await run('/usr/bin/docker-compose', ['-f', COMPOSE_FILE, 'config'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
    const normalized = parseYaml(stdout) as { services: Record<string, Service> };
    expect(Object.keys(normalized.services).sort()).toEqual(Object.keys(compose.services).sort());
    expect(normalized.services.gateway!.environment).toEqual(compose.services.gateway!.environment);
  });

  it('refuses a file with a mistake, so its acceptance means something', { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gw-compose-'));
    try {
      const broken = (await readFile(COMPOSE_FILE, 'utf8')).replace('condition: service_healthy', 'condition: when_it_feels_like_it');
      await writeFile(path.join(dir, 'compose.yaml'), broken);
      const failed = await run('/usr/bin/docker-compose', ['-f', path.join(dir, 'compose.yaml'), 'config'], { cwd: dir }).then(
        () => null,
        (error: { stderr: string }) => error.stderr,
      );
      expect(failed).toMatch(/is invalid[\s\S]*depends_on\.db\.condition contains "when_it_feels_like_it"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('compose.yaml and the README', () => {
  it('has the services, images, published ports and healthchecks the README lists', async () => {
    const { rows } = await readmeSection();
    expect(rows.map((r) => r[0]!.replace(/`/g, '')).sort()).toEqual(Object.keys(compose.services).sort());
    for (const [name, image, port, healthy] of rows) {
      const service = compose.services[name!.replace(/`/g, '')]!;
      if (image === 'built from `Dockerfile`') expect(service.build).toBe('.');
      else expect(`\`${service.image}\``).toBe(image);
      const published = (service.ports ?? []).map((p) => p.split(':').slice(0, -1).join(':'));
      expect(published).toEqual(port === 'none' ? [] : [port!.replace(/`/g, '')]);
      // The README's words for the check are the command compose (or the image) runs.
      const command = service.healthcheck ? service.healthcheck.test.slice(1).join(' ') : only(runtime, 'HEALTHCHECK').map((h) => healthcheck(h.args).command.join(' ')).join();
      const said = /`([^`]+)`/.exec(healthy!)![1]!;
      if (said.startsWith('GET ')) expect(command).toContain(said.slice(4));
      else expect(command).toBe(said);
    }
  });

  it("publishes the gateway's own port and starts it only once its database and Redis are healthy", () => {
    const gateway = compose.services.gateway!;
    expect(gateway.ports).toEqual([`127.0.0.1:${imageEnv.PORT}:${imageEnv.PORT}`]);
    expect(gateway.depends_on).toEqual({ db: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    for (const name of Object.keys(gateway.depends_on!)) expect(compose.services[name]!.healthcheck, `${name} has a healthcheck`).toBeDefined();
  });

  it("gives the gateway the environment the README names, made of variables .env.example lists, pointing at the compose services", async () => {
    const { pairs } = await readmeSection();
    const gatewayEnv = compose.services.gateway!.environment!;
    expect(pairs).toEqual({ ...gatewayEnv, ...imageEnv });
    const listed = new Set(readEnvExample().map((v) => v.name));
    for (const name of Object.keys({ ...gatewayEnv, ...imageEnv })) expect(listed.has(name), `${name} is not in .env.example`).toBe(true);
    const config = loadConfig({ ...imageEnv, ...gatewayEnv });
    const db = compose.services.db!.environment!;
    expect(config.database).toEqual({ host: 'db', port: 3306, user: db.MARIADB_USER, password: db.MARIADB_PASSWORD, name: db.MARIADB_DATABASE });
    expect(new URL(config.redisUrl!).hostname).toBe('redis');
    expect(config.host).toBe('0.0.0.0');
  });
});
