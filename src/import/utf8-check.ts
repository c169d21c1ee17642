// A pass-through stream that refuses bytes that are not UTF-8, naming the
// line they are on. Without it a file in Latin-1 (or a binary file named
// .csv) would be read with U+FFFD in place of each bad byte and land altered.
// It also counts the bytes that went through, for the progress display.
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { ImportFileError } from './types.ts';

export class Utf8Check extends Transform {
  /** Bytes passed on so far. */
  bytes = 0;
  /** Line breaks (LF) seen in the bytes passed on, for the line of a bad byte. */
  #lines = 1;
  /** The start of a character split across chunks, held until its end arrives. */
  #tail: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const data = this.#tail.length > 0 ? Buffer.concat([this.#tail, chunk]) : chunk;
    const cut = completeLength(data);
    const whole = cut === data.length ? data : data.subarray(0, cut);
    this.#tail = cut === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(cut));
    if (!isUtf8(whole)) return callback(this.#error(whole));
    this.#count(whole);
    callback(null, whole);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#tail.length > 0) return callback(this.#error(this.#tail, true));
    callback();
  }

  #count(data: Buffer): void {
    this.bytes += data.length;
    for (let at = data.indexOf(0x0a); at !== -1; at = data.indexOf(0x0a, at + 1)) this.#lines++;
  }

  #error(data: Buffer, truncated = false): ImportFileError {
    const bad = truncated ? 0 : firstInvalid(data);
    this.#count(data.subarray(0, bad));
    const where = `byte ${this.bytes + 1}, line ${this.#lines}`;
    return new ImportFileError(
      truncated
        ? `the file ends in the middle of a UTF-8 character (${where}); the file must be UTF-8`
        : `the file is not UTF-8: byte 0x${data[bad]!.toString(16).padStart(2, '0')} at ${where} cannot start or continue a character (save the file as UTF-8)`,
      this.#lines,
    );
  }
}

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
