// GET /jobs/<id>/result?token=...: an export's file, streamed from its
// chunks (one in memory at a time) with the content type of its format.
// Unknown job, wrong token or an export not (yet) done: 404, saying which.
// Served by the node:http front (its `routes` hook, src/http/front.ts), after
// authentication: the URL's token is what grants the file (only admins can
// read Job.resultUrl), so a plain link works, while a bad Authorization
// header is refused as everywhere else.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Db } from '../db/pool.ts';
import type { ExportParams } from './export-orders-job.ts';
import { jobFileBytes, readJobFile } from './job-files.ts';
import { findJob } from './job.repository.ts';

const RESULT_PATH = /^\/jobs\/(\d{1,20})\/result$/;
const TYPES = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' } as const;

export function isJobResultPath(path: string): boolean {
  return RESULT_PATH.test(path);
}

/** The front's `routes` hook for the download: true when it took the request. */
export function jobResultRoute(db: Db): (req: IncomingMessage, res: ServerResponse, path: string) => boolean {
  return (req, res, path) => {
    if (!isJobResultPath(path)) return false;
    void serveJobResult(db, req, res).catch(() => res.destroy());
    return true;
  };
}

export async function serveJobResult(db: Db, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const id = RESULT_PATH.exec(url.pathname)![1]!;
  const refuse = (status: number, message: string) => {
    const text = JSON.stringify({ error: message });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  if (req.method !== 'GET') return refuse(405, 'use GET');
  const job = await findJob(db, id);
  const params = job?.params as unknown as ExportParams | undefined;
  if (!job || job.type !== 'export_orders' || !params || url.searchParams.get('token') !== params.token) return refuse(404, `no export result at ${url.pathname} with this token`);
  if (job.status !== 'SUCCEEDED') return refuse(404, `export job ${id} is ${job.status}; its file is there once it SUCCEEDED`);
  res.writeHead(200, {
    'content-type': TYPES[params.format],
    'content-length': await jobFileBytes(db, id, 'OUTPUT'),
    'content-disposition': `attachment; filename="orders-${id}.${params.format}"`,
  });
  await pipeline(readJobFile(db, id, 'OUTPUT'), res);
}
