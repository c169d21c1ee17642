// Thin resolvers for jobs: check arguments, queue or read through the
// repository, and say what a job is. Queuing wakes this process's workers;
// any process's workers would find the job within their poll anyway. Every
// job operation is for admins (access.ts), checked before anything else, so
// a customer learns nothing of jobs, not even whether an argument is valid.
import { requireAccess } from '../access.ts';
import { connectionFields } from '../common.resolvers.ts';
import { buildConnection, checkFirst, decodeCursor, toPage } from '../connections.ts';
import { BadUserInputError, NotFoundError } from '../errors.ts';
import type { Resolvers } from '../generated/graphql.ts';
import { formatOf } from '../import/files.ts';
import type { Counts, ImportKind, OnConflict } from '../import/types.ts';
import { parseId } from '../values.ts';
import { cancelJob } from './cancel-job.ts';
import { createImportJob, UploadTooLargeError } from './create-import-job.ts';
import { queueExportOrders } from './export-orders-job.ts';
import { countJobErrors, findJobErrorsPage, type JobErrorRow } from './job-errors.ts';
import { watchJob } from './job-progress.ts';
import { countJobs, findJob, findJobsPage, type JobRow } from './job.repository.ts';
import { JOB_BATCH_ROWS } from './import-job.ts';

const KINDS: Record<string, ImportKind> = { USERS: 'users', PRODUCTS: 'products', ORDERS: 'orders' };
const CONFLICTS: Record<string, OnConflict> = { SKIP: 'skip', UPDATE: 'update', FAIL: 'fail' };

function jobId(id: string): string {
  return parseId(id, 'id');
}

/** The WHATWG File's bytes, chunk by chunk as the stream hands them. */
async function* bytesOf(file: File): AsyncGenerator<Uint8Array> {
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

function counts(job: JobRow): Counts | null {
  const source = (job.report as { rows?: Counts } | null)?.rows ?? (job.checkpoint as { counts?: Counts } | null)?.counts;
  return source ?? null;
}

export const jobResolvers: Resolvers = {
  Query: {
    async job(_parent, args, { db, viewer }) {
      requireAccess(viewer, 'job');
      const id = jobId(args.id);
      const job = await findJob(db, id);
      if (!job) throw new NotFoundError(`No job with id "${id}"`);
      return job;
    },
    async jobs(_parent, args, { db, viewer }) {
      requireAccess(viewer, 'jobs');
      const first = checkFirst(args.first);
      const afterId = decodeCursor('Job', args.after);
      const status = args.status ?? null;
      const rows = await findJobsPage(db, { first, afterId, status });
      return buildConnection('Job', toPage(rows, first), afterId, () => countJobs(db, status));
    },
  },
  Mutation: {
    async importFile(_parent, args, { db, viewer, config, jobs }) {
      requireAccess(viewer, 'importFile');
      const file = args.file as unknown as File;
      if (!file || typeof file !== 'object' || typeof (file as File).stream !== 'function') {
        throw new BadUserInputError('file must be a file sent as a GraphQL multipart request (multipart/form-data with operations, map and the file)', 'file');
      }
      const format = formatOf(file.name);
      if (format === null) {
        throw new BadUserInputError(`file must be named .csv (with a header row), .ndjson or .jsonl (one JSON object a line), but got ${JSON.stringify(file.name)}`, 'file');
      }
      const { maxUploadBytes } = config.jobs;
      if (file.size > maxUploadBytes) throw new BadUserInputError(`file is ${file.size} bytes, over the upload limit of ${maxUploadBytes} bytes (MAX_UPLOAD_BYTES)`, 'file');
      if (file.size === 0) throw new BadUserInputError('file is empty', 'file');
      const kind = KINDS[args.kind]!;
      const onConflict = CONFLICTS[args.onConflict ?? 'SKIP']!;
      const historical = args.historical ?? false;
      if (historical && kind !== 'orders') throw new BadUserInputError(`historical applies to ORDERS only, but kind is ${args.kind}`, 'historical');
      if (kind === 'orders' && onConflict === 'update' && !historical) {
        throw new BadUserInputError('onConflict UPDATE replaces orders only with historical: true (a placed order has taken its stock)', 'onConflict');
      }
      try {
        const params = { kind, format, onConflict, historical, batchSize: JOB_BATCH_ROWS, fileName: file.name };
        const job = await createImportJob(db, bytesOf(file), params, viewer, maxUploadBytes);
        jobs?.wake();
        return job;
      } catch (error) {
        if (error instanceof UploadTooLargeError) throw new BadUserInputError(`file is over the upload limit of ${maxUploadBytes} bytes (MAX_UPLOAD_BYTES)`, 'file');
        throw error;
      }
    },
    cancelJob: (_parent, args, { db, viewer }) => cancelJob(db, args.id, viewer),
    async exportOrders(_parent, args, { db, viewer, jobs }) {
      const format = args.format === 'NDJSON' ? 'ndjson' : 'csv';
      const job = await queueExportOrders(db, args.filter, format, viewer);
      jobs?.wake();
      return job;
    },
  },
  Subscription: {
    jobProgress: {
      subscribe(_parent, args, { db, viewer }) {
        requireAccess(viewer, 'jobProgress');
        return watchJob(db, jobId(args.id));
      },
      resolve: (job: JobRow) => job,
    },
  },
  Job: {
    type: (job) => (job.type === 'export_orders' ? 'EXPORT_ORDERS' : 'IMPORT'),
    progress: (job) => job,
    createdAt: (job) => job.created_at,
    startedAt: (job) => job.started_at,
    finishedAt: (job) => job.finished_at,
    rows: (job) => (job.type === 'import' ? counts(job) : null),
    async errors(job, args, { db }) {
      const first = checkFirst(args.first);
      const afterLine = decodeCursor('JobError', args.after);
      const rows = await findJobErrorsPage(db, job.id, first, afterLine);
      return buildConnection('JobError', toPage(rows, first), afterLine, () => countJobErrors(db, job.id));
    },
    resultUrl: (job) => (job.type === 'export_orders' && job.status === 'SUCCEEDED' ? `/jobs/${job.id}/result?token=${String(job.params.token)}` : null),
  },
  JobProgress: {
    rowsDone: (job) => job.rows_done,
    rowsTotal: (job) => job.rows_total,
    fraction: (job) => (job.rows_total === null ? null : job.rows_total === 0 ? 1 : Math.min(1, job.rows_done / job.rows_total)),
  },
  JobConnection: connectionFields<JobRow>(),
  JobErrorConnection: connectionFields<JobErrorRow>(),
};
