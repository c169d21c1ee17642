// Thin resolvers for Product: validate arguments, ask loaders or repositories.
import { buildConnection, checkFirst, decodeCursor, toPage } from '../connections.ts';
import { NotFoundError, notFoundMessage } from '../errors.ts';
import type { Resolvers } from '../generated/graphql.ts';
import { primeProducts } from '../loaders.ts';
import { parseId } from '../values.ts';
import { createProduct } from './create-product.ts';
import type { ProductRow } from '../db/database.ts';
import { fieldResolvers } from '../fields.ts';
import { PRODUCT_FIELDS, productConditions } from './product.fields.ts';
import { countProducts, findProductsPage } from './product.repository.ts';
import { restockProducts } from './restock-products.ts';

export const productResolvers: Resolvers = {
  Query: {
    async product(_parent, args, { loaders }) {
      const id = parseId(args.id);
      const product = await loaders.productById.load(id);
      if (!product) throw new NotFoundError(notFoundMessage('product', id));
      return product;
    },
    async products(_parent, args, { db, loaders }) {
      const first = checkFirst(args.first);
      const afterId = decodeCursor('Product', args.after);
      const where = productConditions(args.filter);
      const rows = await findProductsPage(db, { first, afterId, where });
      for (const row of rows) loaders.productById.prime(row.id, row);
      return buildConnection('Product', toPage(rows, first), afterId, () => countProducts(db, where));
    },
    productCount: async (_parent, args, { db }) => (await countProducts(db, productConditions(args.filter))).count,
  },
  Mutation: {
    async createProduct(_parent, { input }, { db, viewer, loaders }) {
      const product = await createProduct(db, input, viewer);
      loaders.productById.prime(product.id, product);
      return product;
    },
    async restockProducts(_parent, { items }, { db, viewer, loaders, config, log }) {
      const outcomes = await restockProducts(db, items, { concurrency: config.restockConcurrency, log }, viewer);
      primeProducts(
        loaders,
        outcomes.flatMap((outcome) => (outcome.product ? [outcome.product] : [])),
      );
      return outcomes;
    },
  },
  Product: fieldResolvers<ProductRow>(PRODUCT_FIELDS),
};
