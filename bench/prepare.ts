// Getting a scale's database ready before its servers start, as --reseed / --no-seed say.
import { ensureSeeded, seedBench } from './seed.ts';
import type { Options } from './options.ts';

export async function prepareData(dbUrl: string, scale: number, options: Options, log: (line: string) => void): Promise<void> {
  if (options.seed === 'always') await seedBench(dbUrl, scale, { migrate: options.migrate, log });
  else if (options.seed === 'auto') await ensureSeeded(dbUrl, scale, { migrate: options.migrate, log });
}
