// The schema the gateway serves, printed: the SDL files of schema/ joined with
// the resolvers exactly as src/server.ts builds it. schema.graphql at the top
// level is this text, committed, so a reviewer sees every change clients will
// meet in one diff, and the breaking-change check reads it from here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { printSchema } from 'graphql';
import { createSchema } from 'graphql-yoga';
import { resolvers, typeDefs } from '../../src/schema.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The committed artifact: the served schema as `npm run schema:print` prints it. */
export const SCHEMA_FILE = path.join(ROOT, 'schema.graphql');
/** The schema of the last release (see CHANGELOG.md), the baseline of the breaking-change check. */
export const RELEASED_SCHEMA_FILE = path.join(ROOT, 'schema.released.graphql');
export const CHANGELOG_FILE = path.join(ROOT, 'CHANGELOG.md');

const HEADER = '# The schema the gateway serves, printed by `npm run schema:print`. Do not edit: edit schema/*.graphql.\n\n';

/** The served schema as SDL, in definition order (schema files by name). */
export function servedSdl(): string {
  return printSchema(createSchema({ typeDefs, resolvers })) + '\n';
}

/** schema.graphql's text: the served schema with the artifact's header. */
export function printServedSchema(): string {
  return HEADER + servedSdl();
}

export function readSchemaFile(file = SCHEMA_FILE): string {
  return readFileSync(file, 'utf8');
}
