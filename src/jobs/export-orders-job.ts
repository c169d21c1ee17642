// exportOrders: the orders matching a filter, with their items, written page
// by page (1,000 orders, in id order) into the job's OUTPUT file as CSV or
// NDJSON, and served at Job.resultUrl. An export is started over when a
// worker resumes it: its file is rewritten, not appended to. Which orders is
// OrderFilter turned into conditions by the order domain's definition
// (orderConditions), as the orders list reads them.
import { randomBytes } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import { requireAccess } from '../access.ts';
import type { Db } from '../db/pool.ts';
import { orderConditions, type OrderFilterInput } from '../orders/order.fields.ts';
import { countOrders, findItemsByOrderIds, findOrdersPage } from '../orders/order.repository.ts';
import { dbDateTimeToIso } from '../values.ts';
import { ADMIN_WITHOUT_USER, type Viewer } from '../viewer.ts';
import type { JobContext, JobOutcome } from './job-context.ts';
import { ChunkWriter, deleteJobFile } from './job-files.ts';
import { findJob, insertHiddenJob, isCancelRequested, publishJob, setRowsTotal, type JobRow } from './job.repository.ts';

const PAGE = 1000;
export type ExportFormat = 'csv' | 'ndjson';

export interface ExportParams {
  /** OrderFilter as the client sent it (its dates already in the database's form), or null for every order. */
  readonly filter: OrderFilterInput | null;
  readonly format: ExportFormat;
  /** Part of the download URL, so that knowing a job id is not enough to read its file. */
  readonly token: string;
}

/** Queues the export; a malformed filter is BAD_USER_INPUT before a job exists. Admins only (access.ts). */
export async function queueExportOrders(db: Db, filter: OrderFilterInput | null | undefined, format: ExportFormat, viewer: Viewer): Promise<JobRow> {
  requireAccess(viewer, 'exportOrders');
  // Checked now, so a bad userId is the client's error, not a failed job.
  orderConditions(filter, viewer);
  const params: ExportParams = { filter: filter ? storedFilter(filter) : null, format, token: randomBytes(18).toString('base64url') };
  const id = await insertHiddenJob(db, 'export_orders', params as unknown as Record<string, unknown>);
  await publishJob(db, id, params);
  return (await findJob(db, id))!;
}

export async function runExportOrdersJob(ctx: JobContext, job: JobRow): Promise<JobOutcome> {
  const { db } = ctx;
  const params = job.params as unknown as ExportParams;
  // The job runs as the system, not as the admin who queued it (only admins
  // may): every order the filter names, with no viewer's row rule.
  const where = orderConditions(params.filter, ADMIN_WITHOUT_USER);
  await deleteJobFile(db, job.id, 'OUTPUT');
  const total = (await countOrders(db, where)).count;
  await setRowsTotal(db, job.id, ctx.owner, total);
  const out = new ChunkWriter(db, job.id, 'OUTPUT');
  if (params.format === 'csv') await out.write(Buffer.from('id,userId,status,total,createdAt,items\n'));
  let done = 0;
  for (let afterId: string | null = null; ; ) {
    if (ctx.stopping()) return { kind: 'released' };
    if (await isCancelRequested(db, job.id)) {
      return { kind: 'finished', status: 'CANCELLED', report: { rows: done }, error: `cancelled after ${done} of ${total} orders; no file is kept` };
    }
    const rows = await findOrdersPage(db, { first: PAGE - 1, afterId, where });
    if (rows.length === 0) break;
    const items = await findItemsByOrderIds(db, rows.map((row) => row.id));
    const byOrder = new Map<string, { productId: string; quantity: number; unitPrice: string }[]>();
    for (const item of items) {
      const list = byOrder.get(item.order_id) ?? [];
      list.push({ productId: item.product_id, quantity: item.quantity, unitPrice: item.unit_price });
      byOrder.set(item.order_id, list);
    }
    const lines = rows.map((order) => {
      const record = { id: order.id, userId: order.user_id, status: order.status, total: order.total, createdAt: dbDateTimeToIso(order.created_at), items: byOrder.get(order.id) ?? [] };
      return params.format === 'ndjson'
        ? JSON.stringify(record)
        : [record.id, record.userId, record.status, record.total, record.createdAt, JSON.stringify(record.items)].map(csvField).join(',');
    });
    await out.write(Buffer.from(`${lines.join('\n')}\n`));
    done += rows.length;
    afterId = rows[rows.length - 1]!.id;
    await db.executeQuery(CompiledQuery.raw('UPDATE jobs SET rows_done = ? WHERE id = ? AND lease_owner = ?', [done, job.id, ctx.owner]));
    ctx.onProgress({ jobId: job.id, rowsDone: done, rowsTotal: total });
  }
  await out.end();
  return { kind: 'finished', status: 'SUCCEEDED', report: { rows: done, bytes: out.bytes, format: params.format }, error: null };
}

/** The filter's fields alone, as JSON keeps them in the job's params. */
function storedFilter(filter: OrderFilterInput): OrderFilterInput {
  return { status: filter.status ?? null, userId: filter.userId ?? null, createdAfter: filter.createdAfter ?? null, createdBefore: filter.createdBefore ?? null };
}

/** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
