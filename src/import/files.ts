// From the command line's paths to the files to import: directories are read
// (recursively, in name order, only .csv/.ndjson/.jsonl files), and each
// file's format comes from its extension and its kind from --type or from a
// word of its name ("users.csv", "2026-products.ndjson", "orders_march.csv").
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { IMPORT_KINDS, type FileFormat, type ImportKind } from './types.ts';

export interface FileTask {
  readonly path: string;
  readonly kind: ImportKind | null;
  readonly format: FileFormat | null;
  readonly bytes: number;
  /** Why the file cannot be imported (unknown kind, unknown format, unreadable), or null. */
  readonly problem: string | null;
}

const FORMATS: Record<string, FileFormat> = { '.csv': 'csv', '.ndjson': 'ndjson', '.jsonl': 'ndjson' };
/** Words of a file name that name a kind. */
const KIND_WORDS: Record<string, ImportKind> = { users: 'users', user: 'users', products: 'products', product: 'products', orders: 'orders', order: 'orders' };

export function formatOf(file: string): FileFormat | null {
  return FORMATS[path.extname(file).toLowerCase()] ?? null;
}

/** The kind a file's name names, or a sentence saying why it names none. */
export function kindOf(file: string): ImportKind | string {
  const base = path.basename(file, path.extname(file)).toLowerCase();
  const kinds = new Set(base.split(/[^a-z0-9]+/).flatMap((word) => (KIND_WORDS[word] ? [KIND_WORDS[word]!] : [])));
  if (kinds.size === 1) return [...kinds][0]!;
  const names = IMPORT_KINDS.join(', ');
  return kinds.size === 0
    ? `cannot tell what ${path.basename(file)} holds: its name names none of ${names}; rename it (e.g. users.csv) or pass --type`
    : `cannot tell what ${path.basename(file)} holds: its name names ${[...kinds].join(' and ')}; pass --type`;
}

export async function resolveFiles(paths: readonly string[], type: ImportKind | null): Promise<FileTask[]> {
  const tasks: FileTask[] = [];
  for (const given of paths) {
    let info;
    try {
      info = await stat(given);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      tasks.push({ path: given, kind: null, format: null, bytes: 0, problem: code === 'ENOENT' ? 'no such file or directory' : `cannot be read (${code})` });
      continue;
    }
    if (info.isDirectory()) {
      const entries = (await readdir(given, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile() && !entry.name.startsWith('.') && formatOf(entry.name) !== null)
        .map((entry) => path.join(entry.parentPath, entry.name))
        .sort();
      for (const file of entries) tasks.push(task(file, (await stat(file)).size, type));
      continue;
    }
    tasks.push(task(given, info.size, type));
  }
  return tasks;
}

function task(file: string, bytes: number, type: ImportKind | null): FileTask {
  const format = formatOf(file);
  if (format === null) {
    return { path: file, kind: null, format: null, bytes, problem: `${path.extname(file) || 'no extension'} is not a format the import reads; name the file .csv (with a header row) or .ndjson/.jsonl (one JSON object a line)` };
  }
  const kind = type ?? kindOf(file);
  if (!(IMPORT_KINDS as readonly string[]).includes(kind)) return { path: file, kind: null, format, bytes, problem: kind };
  return { path: file, kind: kind as ImportKind, format, bytes, problem: null };
}
