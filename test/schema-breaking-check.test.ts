// The breaking-change check (scripts/schema/changes.ts and the CI step
// `npm run schema:check`): a removed field or a changed type fails it unless
// CHANGELOG.md's Unreleased section records it; dangerous and safe changes
// are reported and pass. Fed small schemas, then run as CI runs it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSchemaChanges, formatReport, parseChangelog, releasedSchemaText } from '../scripts/schema/changes.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');

const released = releasedSchemaText(
  '1.0.0',
  `type Query { user(id: ID!): User, users(first: Int = 20): [User!]! }
   type User { id: ID!, name: String!, email: String!, stock: Int!, status: Status! }
   enum Status { ACTIVE, BLOCKED }`,
);
const changelog = (unreleased: string[], releasedEntries: string[] = []) =>
  ['# Changelog', '', '## Unreleased', '', ...unreleased, '', '## 1.0.0 - 2026-11-01', '', ...releasedEntries, ''].join('\n');

describe('the breaking-change check', () => {
  it('fails on a removed field and names the path to record', async () => {
    const current = `type Query { user(id: ID!): User, users(first: Int = 20): [User!]! }
      type User { id: ID!, name: String!, stock: Int!, status: Status! } enum Status { ACTIVE, BLOCKED }`;
    const report = await checkSchemaChanges({ released, current, changelog: changelog([]) });
    expect(report.ok).toBe(false);
    expect(report.unrecorded).toEqual([{ path: 'User.email', type: 'FIELD_REMOVED', message: "Field 'email' was removed from object type 'User'" }]);
    const text = formatReport(report);
    expect(text).toContain('FAILED: 1 breaking change against release 1.0.0 is not recorded.');
    expect(text).toContain('  - BREAKING: User.email — <why, and what clients do instead>');
  });

  it('fails on a field type change and on an argument type change', async () => {
    const current = `type Query { user(id: ID!): User, users(first: String = "20"): [User!]! }
      type User { id: ID!, name: String!, email: String!, stock: String!, status: Status! } enum Status { ACTIVE, BLOCKED }`;
    const report = await checkSchemaChanges({ released, current, changelog: changelog([]) });
    expect(report.ok).toBe(false);
    expect(report.unrecorded.map((c) => `${c.path} ${c.type}`).sort()).toEqual([
      'Query.users.first FIELD_ARGUMENT_TYPE_CHANGED',
      'User.stock FIELD_TYPE_CHANGED',
    ]);
  });

  it('passes when the Unreleased section records each breaking change, and lists them as recorded', async () => {
    const current = `type Query { user(id: ID!): User, users(first: Int = 20): [User!]! }
      type User { id: ID!, name: String!, stock: String!, status: Status! } enum Status { ACTIVE, BLOCKED }`;
    const entries = ['- BREAKING: User.email — removed; ask support for it', '* BREAKING: `User.stock`, now a string'];
    const report = await checkSchemaChanges({ released, current, changelog: changelog(entries) });
    expect(report.unrecorded).toEqual([]);
    expect(report.recorded.map((c) => c.path).sort()).toEqual(['User.email', 'User.stock']);
    expect(report.ok).toBe(true);
    expect(formatReport(report)).toContain('ok: no unrecorded breaking change');
  });

  it('does not take an entry of an already released version as accepting a new change', async () => {
    const current = `type Query { user(id: ID!): User, users(first: Int = 20): [User!]! }
      type User { id: ID!, name: String!, stock: Int!, status: Status! } enum Status { ACTIVE, BLOCKED }`;
    const report = await checkSchemaChanges({ released, current, changelog: changelog([], ['- BREAKING: User.email']) });
    expect(report.ok).toBe(false);
    expect(report.unrecorded.map((c) => c.path)).toEqual(['User.email']);
  });

  it('reports dangerous and safe changes without failing', async () => {
    const current = `type Query { user(id: ID!): User, users(first: Int = 20, search: String): [User!]!, count: Int! }
      type User { id: ID!, name: String!, email: String!, stock: Int!, status: Status! } enum Status { ACTIVE, BLOCKED, DELETED }`;
    const report = await checkSchemaChanges({ released, current, changelog: changelog([]) });
    expect(report.ok).toBe(true);
    expect(report.dangerous.map((c) => `${c.path} ${c.type}`).sort()).toEqual(['Query.users.search FIELD_ARGUMENT_ADDED', 'Status.DELETED ENUM_VALUE_ADDED']);
    expect(report.safe.map((c) => `${c.path} ${c.type}`)).toEqual(['Query.count FIELD_ADDED']);
    const text = formatReport(report);
    expect(text).toContain('dangerous (reported, allowed):');
    expect(text).toContain('    Query.count  FIELD_ADDED:');
  });

  it('notes an entry that matches no change, without failing', async () => {
    const report = await checkSchemaChanges({ released, current: released, changelog: changelog(['- BREAKING: User.nmae']) });
    expect(report.ok).toBe(true);
    expect(report.staleEntries).toEqual(['User.nmae']);
    expect(formatReport(report)).toContain('note: CHANGELOG.md records "BREAKING: User.nmae", but no breaking change has that path');
  });

  it('fails when schema.released.graphql is not the schema of the changelog\'s newest release', async () => {
    const newer = changelog([]).replace('## 1.0.0', '## 1.1.0 - 2026-11-20\n\n- more\n\n## 1.0.0');
    const report = await checkSchemaChanges({ released, current: released, changelog: newer });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toContain('schema.released.graphql is the schema of release 1.0.0, but CHANGELOG.md\'s newest release is 1.1.0');
    const headerless = await checkSchemaChanges({ released: 'type Query { a: Int }', current: 'type Query { a: Int }', changelog: newer });
    expect(headerless.problems[0]).toContain('does not start with "# schema of release <version>"');
  });

  it('reads the Unreleased entries and the newest release from a changelog', () => {
    expect(parseChangelog(changelog(['- BREAKING: Query.users.first.', '- not breaking', '  - BREAKING:  `Order.total`; reason']))).toEqual({
      acceptedBreaking: ['Query.users.first', 'Order.total'],
      latestRelease: '1.0.0',
    });
    expect(parseChangelog('# Changelog\n\n## [Unreleased]\n- BREAKING: A.b\n\n## [v2.0.0] (2026-01-01)\n')).toEqual({ acceptedBreaking: ['A.b'], latestRelease: '2.0.0' });
    expect(parseChangelog('# Changelog\n')).toEqual({ acceptedBreaking: [], latestRelease: null });
  });
});

describe('npm run schema:check, as CI runs it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'schema-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // The repository's released schema with one field more than the served one: the served schema "removed" it.
  const withExtraField = readFileSync(path.join(ROOT, 'schema.released.graphql'), 'utf8').replace(
    /^type Product \{$/m,
    'type Product {\n  "Gone in the served schema."\n  legacyCode: String!',
  );
  const check = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/schema/check.ts', ...args], { cwd: ROOT });

  it('passes on the committed schema, changelog and released schema', async () => {
    const { stdout } = await check();
    expect(stdout).toContain('ok: no unrecorded breaking change');
  }, 60_000);

  it('exits 1 with the entry to add when the served schema breaks the released one', async () => {
    expect(withExtraField).toContain('legacyCode');
    writeFileSync(path.join(dir, 'released.graphql'), withExtraField);
    const failure = await check('--released', path.join(dir, 'released.graphql')).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("Product.legacyCode  FIELD_REMOVED: Field 'legacyCode' was removed from object type 'Product'");
    expect(failure?.stderr).toContain('  - BREAKING: Product.legacyCode — <why, and what clients do instead>');

    const accepting = readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8').replace('## Unreleased\n', '## Unreleased\n\n- BREAKING: Product.legacyCode — never used\n');
    writeFileSync(path.join(dir, 'CHANGELOG.md'), accepting);
    const { stdout } = await check('--released', path.join(dir, 'released.graphql'), '--changelog', path.join(dir, 'CHANGELOG.md'));
    expect(stdout).toContain('breaking, recorded under "## Unreleased" in CHANGELOG.md:\n    Product.legacyCode');
  }, 60_000);
});
