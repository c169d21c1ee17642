// A pass-through stream that refuses bytes that are not UTF-8, naming the
// line they are on. Without it a file in Latin-1 (or a binary file named
// .csv) would be read with U+FFFD in place of each bad byte and land altered.
// The whole lines before the bad byte still go through, then the stream ends
// and `failure` says why, so the reader gets every row before it first. It
// also counts the bytes that went through, for the progress display.
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { ImportFileError } from './types.ts';

export class Utf8Check extends Transform {
  /** Bytes passed on so far. */
  bytes = 0;
  /** Why the stream ended early, or null. */
  failure: ImportFileError | null = null;
  /** Line breaks (LF) seen in the bytes passed on, for the line of a bad byte. */
  #lines = 1;
  /** The bytes after the last LF, held until the line is complete (so a bad byte never leaves half a line passed on). */
  #held: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.failure) return callback();
    const data = this.#held.length > 0 ? Buffer.concat([this.#held, chunk]) : chunk;
    // Up to the last LF (an ASCII byte, so no character spans it); past a
    // very long line, whatever holds only whole characters.
    let cut = data.lastIndexOf(0x0a) + 1;
    if (data.length - cut > MAX_HELD) cut = completeLength(data);
    this.#held = Buffer.from(data.subarray(cut));
    this.#pass(data.subarray(0, cut), false, callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.failure || this.#held.length === 0) return callback();
    const rest = this.#held;
    this.#held = Buffer.alloc(0);
    const whole = completeLength(rest);
    if (whole < rest.length) return this.#pass(rest, true, callback);
    this.#pass(rest, false, callback);
  }

  /** Passes `data` on when it is UTF-8; otherwise the whole lines before the bad byte, and ends the stream with `failure`. */
  #pass(data: Buffer, truncated: boolean, callback: TransformCallback): void {
    if (!truncated && isUtf8(data)) {
      this.#count(data);
      return callback(null, data);
    }
    const bad = truncated ? completeLength(data) : firstInvalid(data);
    const lineEnd = data.lastIndexOf(0x0a, bad - 1) + 1;
    const before = data.subarray(0, lineEnd);
    this.#count(before);
    if (before.length > 0) this.push(before);
    this.failure = this.#error(data.subarray(lineEnd), bad - lineEnd, truncated);
    this.push(null);
    callback();
  }

  #count(data: Buffer): void {
    this.bytes += data.length;
    for (let at = data.indexOf(0x0a); at !== -1; at = data.indexOf(0x0a, at + 1)) this.#lines++;
  }

  #error(line: Buffer, bad: number, truncated: boolean): ImportFileError {
    const where = `byte ${this.bytes + bad + 1}, line ${this.#lines}`;
    return new ImportFileError(
      truncated
        ? `the file ends in the middle of a UTF-8 character (${where}); the file must be UTF-8`
        : `the file is not UTF-8: byte 0x${line[bad]!.toString(16).padStart(2, '0')} at ${where} cannot start or continue a character (save the file as UTF-8)`,
      this.#lines,
    );
  }
}

/** Bytes of a line held back at most; past them a line goes on in pieces (the reader refuses it as too long). */
const MAX_HELD = 2 * 1024 * 1024;

/** Bytes a UTF-8 sequence starting with `lead` takes, or 0 when `lead` cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The length of `data` without a character cut off at its end (at most 3 bytes held back). */
function completeLength(data: Buffer): number {
  for (let back = 1; back <= Math.min(3, data.length); back++) {
    const byte = data[data.length - back]!;
    if (byte >= 0x80 && byte < 0xc0) continue; // a continuation byte: look further back
    const need = sequenceLength(byte);
    return need > back ? data.length - back : data.length;
  }
  return data.length;
}

/** The offset of the first byte that breaks UTF-8 in `data` (which isUtf8 refused). */
function firstInvalid(data: Buffer): number {
  for (let at = 0; at < data.length; ) {
    const need = sequenceLength(data[at]!);
    if (need === 0 || at + need > data.length) return at;
    if (!isUtf8(data.subarray(at, at + need))) return at;
    at += need;
  }
  return 0;
}
