// Durable background jobs (imports, exports): the queue itself (jobs, claimed
// with SELECT ... FOR UPDATE SKIP LOCKED), the files they read and write, kept
// in the database in chunks so that every gateway process and worker can read
// them without a shared disk, and the rows a job refused. A job's files and
// errors go with it (ON DELETE CASCADE) when its retention period is over.
// Frozen in time: later changes go in new migrations.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE jobs (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      type VARCHAR(32) NOT NULL,
      status ENUM('QUEUED','RUNNING','SUCCEEDED','FAILED','CANCELLED') NOT NULL DEFAULT 'QUEUED',
      params JSON NOT NULL,
      rows_done BIGINT UNSIGNED NOT NULL DEFAULT 0,
      rows_total BIGINT UNSIGNED NULL,
      checkpoint JSON NULL,
      report JSON NULL,
      error TEXT NULL,
      attempts INT UNSIGNED NOT NULL DEFAULT 0,
      cancel_requested TINYINT(1) NOT NULL DEFAULT 0,
      lease_owner VARCHAR(64) NULL,
      lease_expires_at DATETIME(3) NULL,
      run_after DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      started_at DATETIME(3) NULL,
      finished_at DATETIME(3) NULL,
      updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY jobs_queued (status, run_after, id),
      KEY jobs_lease (status, lease_expires_at),
      KEY jobs_finished (finished_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`.execute(db);

  await sql`
    CREATE TABLE job_files (
      job_id BIGINT UNSIGNED NOT NULL,
      role ENUM('INPUT','OUTPUT') NOT NULL,
      seq INT UNSIGNED NOT NULL,
      data MEDIUMBLOB NOT NULL,
      PRIMARY KEY (job_id, role, seq),
      CONSTRAINT job_files_job_fk FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`.execute(db);

  await sql`
    CREATE TABLE job_errors (
      job_id BIGINT UNSIGNED NOT NULL,
      line BIGINT UNSIGNED NOT NULL,
      field VARCHAR(255) NULL,
      code VARCHAR(32) NOT NULL,
      message TEXT NOT NULL,
      PRIMARY KEY (job_id, line),
      CONSTRAINT job_errors_job_fk FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS job_errors`.execute(db);
  await sql`DROP TABLE IF EXISTS job_files`.execute(db);
  await sql`DROP TABLE IF EXISTS jobs`.execute(db);
}
