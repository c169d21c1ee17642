// `npm run schema:release`, a step of cutting a release (see README): writes
// the served schema to schema.released.graphql under the newest version that
// CHANGELOG.md names, so the breaking-change check compares with it from now on.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseChangelog, releasedSchemaText } from './changes.ts';
import { CHANGELOG_FILE, RELEASED_SCHEMA_FILE, servedSdl } from './served.ts';

const { latestRelease, acceptedBreaking } = parseChangelog(readFileSync(CHANGELOG_FILE, 'utf8'));
if (latestRelease === null) {
  console.error('CHANGELOG.md names no released version: move the "## Unreleased" entries under a heading such as "## 0.2.0 - 2026-12-01" first');
  process.exit(1);
}
if (acceptedBreaking.length > 0) {
  console.error(`CHANGELOG.md's "## Unreleased" section still lists ${acceptedBreaking.join(', ')}: move its entries under "## ${latestRelease}" first`);
  process.exit(1);
}
writeFileSync(RELEASED_SCHEMA_FILE, releasedSchemaText(latestRelease, servedSdl()));
console.log(`wrote schema.released.graphql: the schema of release ${latestRelease}`);
