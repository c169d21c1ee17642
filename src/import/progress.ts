// How a running import shows itself: on a terminal, one cli-progress bar per
// file in flight (bytes for the bar and the ETA, rows and rows/s beside it);
// anywhere else (a pipe, a log file, CI) plain lines, one when a file starts
// and ends and one per running file every `intervalMs`. cli-progress, because
// it is the maintained multi-bar library with ETA and rate built in, and it
// draws on stderr, so stdout keeps only the lines worth piping.
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { FileTask } from './files.ts';
import { fileLines, type FileReport } from './report.ts';
import type { ProgressSink } from './run-files.ts';
import type { Counts } from './types.ts';

export interface ProgressDisplay extends ProgressSink {
  /** Stops drawing (the bars stay on screen as they ended). */
  stop(): void;
}

const n = (value: number) => value.toLocaleString('en-US');

export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function createProgress(out: NodeJS.WriteStream, options: { tty: boolean; intervalMs: number }): ProgressDisplay {
  return options.tty ? barProgress() : lineProgress(out, options.intervalMs);
}

function barProgress(): ProgressDisplay {
  const bars = new cliProgress.MultiBar(
    {
      format: '{file} {bar} {percentage}% | {rows} rows | {done}/{size} | {rate} rows/s | ETA {eta_formatted}',
      barsize: 16,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 20,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = new Map<FileTask, { bar: cliProgress.SingleBar; at: number }>();
  // The base name: a bar is cut at the terminal's width, and rate and ETA come last.
  const payload = (task: FileTask, counts: Counts, bytes: number, at: number) => ({
    file: path.basename(task.path),
    rows: n(counts.read),
    done: megabytes(bytes),
    size: megabytes(task.bytes),
    rate: n(Math.round(counts.read / Math.max(0.001, (performance.now() - at) / 1000))),
  });
  return {
    fileStarted(task) {
      const at = performance.now();
      started.set(task, { bar: bars.create(Math.max(1, task.bytes), 0, payload(task, { read: 0 } as Counts, 0, at)), at });
    },
    fileProgress(task, counts, bytes) {
      const entry = started.get(task);
      entry?.bar.update(bytes, payload(task, counts, bytes, entry.at));
    },
    fileDone(task, report) {
      const entry = started.get(task);
      entry?.bar.update(Math.max(1, task.bytes), payload(task, report.rows, report.bytes, entry.at));
      entry?.bar.stop();
    },
    stop: () => bars.stop(),
  };
}

function lineProgress(out: NodeJS.WriteStream, intervalMs: number): ProgressDisplay {
  const running = new Map<FileTask, { at: number; counts: Counts | null; bytes: number }>();
  const timer = setInterval(() => {
    for (const [task, state] of running) {
      if (!state.counts) continue;
      const seconds = (performance.now() - state.at) / 1000;
      const rate = state.counts.read / Math.max(0.001, seconds);
      const share = task.bytes > 0 ? state.bytes / task.bytes : 1;
      const eta = share > 0 && share < 1 ? `, ETA ${Math.ceil((seconds / share) * (1 - share))} s` : '';
      out.write(
        `progress ${task.path}: ${n(state.counts.read)} rows, ${megabytes(state.bytes)} of ${megabytes(task.bytes)} (${Math.floor(share * 100)}%), ${n(Math.round(rate))} rows/s${eta}\n`,
      );
    }
  }, intervalMs);
  timer.unref();
  return {
    fileStarted(task) {
      running.set(task, { at: performance.now(), counts: null, bytes: 0 });
      out.write(`start ${task.path} (${task.kind ?? '?'}, ${megabytes(task.bytes)})\n`);
    },
    fileProgress(task, counts, bytes) {
      const state = running.get(task);
      if (state) Object.assign(state, { counts, bytes });
    },
    fileDone(task, report: FileReport) {
      running.delete(task);
      out.write(`done ${fileLines(report, 0)[0]}\n`);
    },
    stop: () => clearInterval(timer),
  };
}
