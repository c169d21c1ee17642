// Every migration, by name, in the order they apply. Imported statically so the
// same list runs under tsx, vitest and any bundler; a test checks that every
// file in this folder is listed here.
import type { Migration } from 'kysely';
import * as initialTables from './2026_11_25_0001_initial_tables.ts';
import * as jobs from './2026_12_01_0001_jobs.ts';
import * as filterIndexes from './2026_12_02_0001_filter_indexes.ts';
import * as counters from './2026_12_02_0002_counters.ts';

export const migrations: Record<string, Migration> = {
  '2026_11_25_0001_initial_tables': initialTables,
  '2026_12_01_0001_jobs': jobs,
  '2026_12_02_0001_filter_indexes': filterIndexes,
  '2026_12_02_0002_counters': counters,
};
