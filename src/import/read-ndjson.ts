// NDJSON rows, streamed: one JSON object a line (LF or CRLF), blank lines
// skipped, a BOM at the start ignored. Split by hand rather than with
// readline so that one enormous line (a JSON array pretty-printed on one
// line, a binary file) is refused at MAX_LINE_BYTES instead of held whole.
import type { Readable } from 'node:stream';
import type { SourceItem } from './types.ts';

export const MAX_LINE_BYTES = 1024 * 1024;
const LF = 0x0a;

export async function* readNdjson(input: Readable): AsyncGenerator<SourceItem> {
  let line = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** The current line passed MAX_LINE_BYTES: its bytes are dropped until its end. */
  let tooLong = false;
  let first = true;

  for await (const chunk of input as AsyncIterable<Buffer>) {
    let start = 0;
    for (let at = chunk.indexOf(LF); at !== -1; at = chunk.indexOf(LF, start)) {
      line++;
      if (tooLong || pendingBytes + (at - start) > MAX_LINE_BYTES) {
        yield tooLongRow(line);
      } else {
        const text = (pendingBytes > 0 ? Buffer.concat([...pending, chunk.subarray(start, at)]) : chunk.subarray(start, at)).toString('utf8');
        const item = parseLine(text, line, first);
        if (item) yield item;
      }
      first = false;
      pending = [];
      pendingBytes = 0;
      tooLong = false;
      start = at + 1;
    }
    if (start < chunk.length && !tooLong) {
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_LINE_BYTES) {
        tooLong = true;
        pending = [];
      } else {
        pending.push(chunk.subarray(start));
      }
    }
  }
  if (tooLong) yield tooLongRow(line + 1);
  else if (pendingBytes > 0) {
    const item = parseLine(Buffer.concat(pending).toString('utf8'), line + 1, first);
    if (item) yield item;
  }
}

function tooLongRow(line: number): SourceItem {
  return { line, error: { line, field: null, code: 'BAD_USER_INPUT', message: `the line is longer than ${MAX_LINE_BYTES} bytes; each line holds one row as a JSON object` } };
}

function parseLine(raw: string, line: number, first: boolean): SourceItem | null {
  const text = (first && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw).trim();
  if (text === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { line, error: { line, field: null, code: 'BAD_USER_INPUT', message: `the line is not valid JSON (${reason})` } };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { line, error: { line, field: null, code: 'BAD_USER_INPUT', message: `each line must hold one JSON object, but got ${got}` } };
  }
  return { line, values: value as Record<string, unknown> };
}
