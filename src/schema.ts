// The served schema: the SDL files of schema/ (the source of truth) joined
// with each domain's resolvers.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commonResolvers } from './common.resolvers.ts';
import type { Resolvers } from './generated/graphql.ts';
import { jobResolvers } from './jobs/job.resolvers.ts';
import { orderResolvers } from './orders/order.resolvers.ts';
import { productResolvers } from './products/product.resolvers.ts';
import { userResolvers } from './users/user.resolvers.ts';

export const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../schema');

/** The SDL files, in name order, as one document. */
export function loadTypeDefs(dir = SCHEMA_DIR): string {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(path.join(dir, file), 'utf8'))
    .join('\n');
}

export const typeDefs = loadTypeDefs();

function mergeResolvers(...parts: Resolvers[]): Resolvers {
  const merged: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [type, fields] of Object.entries(part)) {
      const existing = merged[type];
      merged[type] =
        existing && typeof existing === 'object' && !(fields instanceof Object && 'serialize' in fields)
          ? { ...existing, ...fields }
          : fields;
    }
  }
  return merged as Resolvers;
}

export const resolvers = mergeResolvers(commonResolvers, userResolvers, orderResolvers, productResolvers, jobResolvers);
