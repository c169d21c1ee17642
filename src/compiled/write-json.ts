// Serialises a mutation's response straight from the rows it wrote
// (OrderWrite), following the selection's plan: the same JSON the resolvers
// would produce from the same rows, without a GraphQL execution.
import { fieldValue, formatOf } from '../fields.ts';
import { FORMATS } from '../formats.ts';
import type { OrderWrite } from '../orders/order.model.ts';
import type { ObjectPlan } from './plan.ts';

type Row = Record<string, unknown>;

function objectJson(object: ObjectPlan, row: Row, write: OrderWrite, products: Map<string, Row>): string {
  let out = '{';
  object.fields.forEach(({ key, value }, index) => {
    out += `${index === 0 ? '' : ','}${JSON.stringify(key)}:`;
    switch (value.kind) {
      case 'field':
        out += FORMATS[formatOf(value.field)].json(fieldValue(value.field, row));
        break;
      case 'literal':
        out += value.json;
        break;
      case 'items':
        out += `[${write.items.map((item) => objectJson(value.object, item as unknown as Row, write, products)).join(',')}]`;
        break;
      case 'parent': {
        const product = products.get(String(row.product_id));
        if (!product) throw new Error(`written item references product ${String(row.product_id)}, not among the written products`);
        out += objectJson(value.object, product, write, products);
        break;
      }
      default:
        throw new Error(`${value.kind} cannot be answered from a write`);
    }
  });
  return `${out}}`;
}

/** The Order's JSON as the selection asks for it. */
export function orderWriteJson(object: ObjectPlan, write: OrderWrite): string {
  const products = new Map<string, Row>(write.products.map((p) => [p.id, p as unknown as Row]));
  return objectJson(object, write.order as unknown as Row, write, products);
}
