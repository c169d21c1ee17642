// The layer rules (.dependency-cruiser.cjs, checked in CI by `npm run
// lint:layers`) hold for the tree, and each rule really bites: in a copy of
// src/ with one forbidden import added per rule, dependency-cruiser names
// that rule for that import.
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const depcruise = path.join(root, 'node_modules/.bin/depcruise');
const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

async function cruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(depcruise, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd, timeout: 60_000 });
    return { code: 0, output: stdout };
  } catch (error: any) {
    return { code: error.code as number, output: `${error.stdout}${error.stderr}` };
  }
}

describe('layer rules', () => {
  it('hold for the tree as it is', async () => {
    const { code, output } = await cruise(root);
    expect(output).toMatch(/no dependency violations found/);
    expect(code).toBe(0);
  });

  it('name each forbidden import after the rule it breaks', async () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'gw-layers-'));
    copies.push(copy);
    for (const entry of ['src', 'tsconfig.json', '.dependency-cruiser.cjs']) cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
    symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
    const violations: [string, string, string][] = [
      ['src/db/conditions.ts', "import { GraphQLError } from 'graphql';", 'db-knows-no-graphql'],
      ['src/db/stats.ts', "import { createLoaders } from '../loaders.ts';", 'db-is-the-bottom'],
      ['src/values.ts', "import { resolvers } from './schema.ts';", 'leaves-know-no-graphql'],
      ['src/orders/place-order.ts', "import { createCompiledExecutor } from '../compiled/compiled-path.ts';", 'domains-below-graphql'],
      // The bulk import and the job queue are ruled as domains (their resolvers excepted).
      ['src/import/import-rows.ts', "import { GraphQLError } from 'graphql';", 'domains-below-graphql'],
      ['src/jobs/worker.ts', "import { createHttpFront } from '../http/front.ts';", 'domains-below-graphql'],
      ['src/users/user.resolvers.ts', "import { qb } from '../db/query-builder.ts';", 'sql-only-below-resolvers'],
      ['src/compiled/sql.ts', "import { userResolvers } from '../users/user.resolvers.ts';", 'compiled-path-knows-no-resolvers'],
      ['src/compiled/executor.ts', "import { parse } from 'graphql';", 'compiled-executor-knows-no-graphql'],
      ['src/compiled/plan-query.ts', "import { createDb } from '../db/pool.ts';", 'plans-know-no-driver'],
      ['src/http/front.ts', "import '../cli/migrate.ts';", 'nothing-imports-entry-points'],
    ];
    for (const [file, line] of violations) appendFileSync(path.join(copy, file), `\n${line}\nexport const __layerProbe = 1;\n`);
    const { code, output } = await cruise(copy);
    expect(code).not.toBe(0);
    for (const [file, , rule] of violations) expect(output, `${rule} for ${file}`).toMatch(new RegExp(`error ${rule}: ${file.replace(/\./g, '\\.')} `));
  });
});
