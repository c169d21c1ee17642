// `npm run schema:check`, run by .ci/run before the tests: the served schema
// against the last released one. Exits 1 on a breaking change that the
// "## Unreleased" section of CHANGELOG.md does not record (see changes.ts).
// `--released FILE` / `--changelog FILE` compare with other files (tests use them).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkSchemaChanges, formatReport } from './changes.ts';
import { CHANGELOG_FILE, printServedSchema, RELEASED_SCHEMA_FILE } from './served.ts';

const { values } = parseArgs({ options: { released: { type: 'string' }, changelog: { type: 'string' } } });
const report = await checkSchemaChanges({
  released: readFileSync(values.released ?? RELEASED_SCHEMA_FILE, 'utf8'),
  current: printServedSchema(),
  changelog: readFileSync(values.changelog ?? CHANGELOG_FILE, 'utf8'),
});
const text = formatReport(report);
if (report.ok) {
  console.log(text);
} else {
  console.error(text);
  process.exit(1);
}
