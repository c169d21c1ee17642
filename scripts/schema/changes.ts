// The breaking-change check: the served schema against the last released one
// (schema.released.graphql), with @graphql-inspector/core judging each change.
// A breaking change fails the check unless CHANGELOG.md's "## Unreleased"
// section records it as `- BREAKING: <path>`, the path inspector gives the
// change (`User.email`, `Query.users.first`); dangerous and safe changes are
// reported, never fatal. Pure functions over texts, so tests feed small schemas.
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

export interface ChangelogFacts {
  /** Paths recorded as `- BREAKING: <path>` under "## Unreleased". */
  readonly acceptedBreaking: readonly string[];
  /** The newest released version's heading (`## 0.1.0 - 2026-11-24` gives "0.1.0"), or null. */
  readonly latestRelease: string | null;
}

export interface ReportedChange {
  readonly path: string;
  readonly type: string;
  readonly message: string;
}

export interface SchemaCheckReport {
  /** The release the schema was compared with, from schema.released.graphql's first line. */
  readonly release: string | null;
  /** Breaking changes with no changelog entry: these fail the check. */
  readonly unrecorded: readonly ReportedChange[];
  /** Breaking changes the Unreleased section records. */
  readonly recorded: readonly ReportedChange[];
  readonly dangerous: readonly ReportedChange[];
  readonly safe: readonly ReportedChange[];
  /** BREAKING entries that match no change (already released, or mistyped). */
  readonly staleEntries: readonly string[];
  /** Problems with the files themselves (a released schema of another version than the changelog's). */
  readonly problems: readonly string[];
  readonly ok: boolean;
}

const RELEASED_HEADER = /^# schema of release ([^\s:]+)/;

/** schema.released.graphql's text for `version`: its first line names the release. */
export function releasedSchemaText(version: string, sdl: string): string {
  return `# schema of release ${version}: the served schema as it was released (see CHANGELOG.md). Do not edit.\n\n${sdl}`;
}

export function parseChangelog(text: string): ChangelogFacts {
  const acceptedBreaking: string[] = [];
  let latestRelease: string | null = null;
  let section: 'before' | 'unreleased' | 'released' = 'before';
  for (const line of text.split(/\r?\n/)) {
    const heading = /^##\s+(.+?)\s*$/.exec(line);
    if (heading) {
      const title = heading[1]!;
      if (/^\[?unreleased\]?$/i.test(title)) {
        section = 'unreleased';
      } else {
        section = 'released';
        // "## 0.2.0 - 2026-12-01" or "## [0.2.0] (2026-12-01)": the version is the first word.
        latestRelease ??= /^\[?v?([0-9][^\]\s]*)/.exec(title)?.[1] ?? null;
      }
      continue;
    }
    if (section !== 'unreleased') continue;
    const entry = /^\s*[-*]\s+BREAKING:\s*`?([^\s`]+)`?/.exec(line);
    if (entry) acceptedBreaking.push(entry[1]!.replace(/[,;:.]+$/, ''));
  }
  return { acceptedBreaking, latestRelease };
}

export async function checkSchemaChanges(input: { released: string; current: string; changelog: string }): Promise<SchemaCheckReport> {
  const { acceptedBreaking, latestRelease } = parseChangelog(input.changelog);
  const release = RELEASED_HEADER.exec(input.released)?.[1] ?? null;
  const problems: string[] = [];
  if (release === null) {
    problems.push('schema.released.graphql does not start with "# schema of release <version>"; copy it from schema.graphql at a release (see README)');
  } else if (latestRelease !== null && release !== latestRelease) {
    problems.push(
      `schema.released.graphql is the schema of release ${release}, but CHANGELOG.md's newest release is ${latestRelease}: ` +
        `copy schema.graphql to schema.released.graphql when releasing (see README)`,
    );
  }
  const changes = await diff(buildSchema(input.released), buildSchema(input.current));
  const accepted = new Set(acceptedBreaking);
  const matched = new Set<string>();
  const unrecorded: ReportedChange[] = [];
  const recorded: ReportedChange[] = [];
  const dangerous: ReportedChange[] = [];
  const safe: ReportedChange[] = [];
  for (const change of changes) {
    const reported = describe(change);
    if (change.criticality.level === CriticalityLevel.Breaking) {
      if (accepted.has(reported.path)) {
        matched.add(reported.path);
        recorded.push(reported);
      } else {
        unrecorded.push(reported);
      }
    } else if (change.criticality.level === CriticalityLevel.Dangerous) {
      dangerous.push(reported);
    } else {
      safe.push(reported);
    }
  }
  const staleEntries = acceptedBreaking.filter((path) => !matched.has(path));
  return { release, unrecorded, recorded, dangerous, safe, staleEntries, problems, ok: unrecorded.length === 0 && problems.length === 0 };
}

function describe(change: Change): ReportedChange {
  // Every change inspector reports on a schema element has a path; the schema's
  // own root types do not, and are named by their change type instead.
  return { path: change.path ?? change.type, type: change.type, message: change.message };
}

/** The report as CI prints it: every change by kind, then what to do when it fails. */
export function formatReport(report: SchemaCheckReport): string {
  const out: string[] = [`schema check: the served schema against release ${report.release ?? '(unknown)'} (schema.released.graphql)`];
  const list = (title: string, changes: readonly ReportedChange[]) => {
    if (changes.length === 0) return;
    out.push(`  ${title}:`);
    for (const c of changes) out.push(`    ${c.path}  ${c.type}: ${c.message}`);
  };
  list('BREAKING, not recorded in CHANGELOG.md', report.unrecorded);
  list('breaking, recorded under "## Unreleased" in CHANGELOG.md', report.recorded);
  list('dangerous (reported, allowed)', report.dangerous);
  list('safe', report.safe);
  if (report.unrecorded.length + report.recorded.length + report.dangerous.length + report.safe.length === 0) out.push('  no changes');
  for (const path of report.staleEntries) out.push(`  note: CHANGELOG.md records "BREAKING: ${path}", but no breaking change has that path`);
  for (const problem of report.problems) out.push(`  problem: ${problem}`);
  if (report.unrecorded.length > 0) {
    const n = report.unrecorded.length;
    out.push(
      `FAILED: ${n} breaking change${n === 1 ? '' : 's'} against release ${report.release ?? '(unknown)'} ${n === 1 ? 'is' : 'are'} not recorded. ` +
        'Undo the change, or accept it by adding under "## Unreleased" in CHANGELOG.md:',
    );
    for (const path of new Set(report.unrecorded.map((c) => c.path))) out.push(`  - BREAKING: ${path} — <why, and what clients do instead>`);
  } else if (report.problems.length > 0) {
    out.push('FAILED: see the problems above');
  } else {
    out.push('ok: no unrecorded breaking change');
  }
  return out.join('\n');
}
