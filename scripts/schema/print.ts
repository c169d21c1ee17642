// `npm run schema:print`: writes the served schema to schema.graphql.
// `-- --check` only compares, exiting 1 when the file is out of date.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printServedSchema, readSchemaFile, ROOT, SCHEMA_FILE } from './served.ts';

const printed = printServedSchema();
const name = path.relative(ROOT, SCHEMA_FILE);
const current = existsSync(SCHEMA_FILE) ? readSchemaFile() : null;

if (process.argv.includes('--check')) {
  if (current === printed) {
    console.log(`${name} is the served schema`);
  } else {
    console.error(`${name} is not the served schema: run \`npm run schema:print\` and commit it`);
    process.exit(1);
  }
} else if (current === printed) {
  console.log(`${name} is up to date`);
} else {
  writeFileSync(SCHEMA_FILE, printed);
  console.log(`wrote ${name}`);
}
