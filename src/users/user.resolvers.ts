// Thin resolvers for User: validate arguments, ask loaders or repositories.
import { requireAccess } from '../access.ts';
import { buildConnection, checkFirst, decodeCursor, toPage } from '../connections.ts';
import { NotFoundError, notFoundMessage } from '../errors.ts';
import type { Resolvers } from '../generated/graphql.ts';
import { parseId } from '../values.ts';
import { createUser } from './create-user.ts';
import { fieldResolvers } from '../fields.ts';
import type { UserRow } from '../db/database.ts';
import { USER_FIELDS, userConditions } from './user.fields.ts';
import { countUsers, findUsersPage } from './user.repository.ts';

export const userResolvers: Resolvers = {
  Query: {
    // Null for an anonymous viewer and for an admin whose token names no user.
    async viewer(_parent, _args, { viewer, loaders }) {
      return viewer.kind !== 'anonymous' && viewer.userId !== null ? loaders.userById.load(viewer.userId) : null;
    },
    async user(_parent, args, { viewer, loaders }) {
      requireAccess(viewer, 'user');
      const id = parseId(args.id);
      const user = await loaders.userById.load(id);
      if (!user) throw new NotFoundError(notFoundMessage('user', id));
      return user;
    },
    async users(_parent, args, { db, viewer, loaders }) {
      requireAccess(viewer, 'users');
      const first = checkFirst(args.first);
      const afterId = decodeCursor('User', args.after);
      const where = userConditions(args.filter, viewer);
      const rows = await findUsersPage(db, { first, afterId, where });
      for (const row of rows) loaders.userById.prime(row.id, row);
      return buildConnection('User', toPage(rows, first), afterId, () => countUsers(db, where));
    },
  },
  Mutation: {
    async createUser(_parent, { input }, { db, viewer, loaders }) {
      const user = await createUser(db, input, viewer);
      loaders.userById.prime(user.id, user);
      return user;
    },
  },
  User: {
    ...fieldResolvers<UserRow>(USER_FIELDS),
    async orders(user, args, { loaders }) {
      const first = checkFirst(args.first);
      const afterId = decodeCursor('Order', args.after);
      const status = args.status ?? null;
      const page = await loaders.userOrdersPage.load({ userId: user.id, first, afterId, status });
      return buildConnection('Order', page, afterId, () => loaders.userOrderStats.load({ userId: user.id, status }));
    },
    orderCount: async (user, _args, { loaders }) => (await loaders.userOrderStats.load({ userId: user.id, status: null })).count,
    totalSpent: async (user, _args, { loaders }) => (await loaders.userOrderStats.load({ userId: user.id, status: null })).spent,
  },
};
