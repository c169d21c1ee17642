// Line numbers of a byte stream, for the CSV reader. csv-parse reports where
// each record ends as a byte offset (info.bytes) exactly, but counts lines
// twice across a CRLF inside a quoted field (its `lines` counts CR and LF
// alike there), so the report's line numbers are counted here instead: the
// bytes pass through on their way to the parser and are kept only until the
// reader has asked about the offsets past them, so memory stays flat.
import { Transform, type TransformCallback } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;

/**
 * A pass-through stream that answers "how many line breaks come before byte
 * X" for increasing X. A line break is LF, CRLF (counted once, at its CR) or a
 * lone CR (as csv-parse accepts for old Mac files).
 */
export class LineIndex extends Transform {
  /** Chunks from `#cursor` on that the reader has not asked past yet. */
  readonly #chunks: Buffer[] = [];
  /** Offset of the first byte of #chunks[0]. */
  #chunkStart = 0;
  /** Offset up to which breaks are counted. */
  #cursor = 0;
  #breaks = 0;
  /** The byte just before #cursor (to tell the LF of a CRLF from a lone LF). */
  #previous = -1;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#chunks.push(chunk);
    callback(null, chunk);
  }

  /** Line breaks before byte `offset` (offsets only grow between calls). */
  breaksBefore(offset: number): number {
    while (this.#cursor < offset && this.#chunks.length > 0) {
      const chunk = this.#chunks[0]!;
      const end = Math.min(offset - this.#chunkStart, chunk.length);
      for (let i = this.#cursor - this.#chunkStart; i < end; i++) {
        const byte = chunk[i]!;
        if (byte === CR || (byte === LF && this.#previous !== CR)) this.#breaks++;
        this.#previous = byte;
      }
      this.#cursor = this.#chunkStart + end;
      if (end === chunk.length) {
        this.#chunks.shift();
        this.#chunkStart += chunk.length;
      }
    }
    return this.#breaks;
  }

  /**
   * The 1-based line a record ending just before `end` (its record delimiter
   * included, as csv-parse's info.bytes counts) ends on.
   */
  lineEndingAt(end: number): number {
    const breaks = this.breaksBefore(end);
    return 1 + breaks - (this.#previous === CR || this.#previous === LF ? 1 : 0);
  }

  /** The byte at `offset`, if it is still held (at or past the cursor), else -1. */
  byteAt(offset: number): number {
    let start = this.#chunkStart;
    for (const chunk of this.#chunks) {
      if (offset < start + chunk.length) return offset >= start ? chunk[offset - start]! : -1;
      start += chunk.length;
    }
    return -1;
  }

  /**
   * The 1-based line of the first byte at or after `offset` that is not a line
   * break: where a record starts when blank lines come before it.
   */
  lineOfContentAt(offset: number): number {
    const base = this.breaksBefore(offset);
    let extra = 0;
    let previous = this.#previous;
    for (let at = offset; ; at++) {
      const byte = this.byteAt(at);
      if (byte !== CR && byte !== LF) break;
      if (byte === CR || previous !== CR) extra++;
      previous = byte;
    }
    return 1 + base + extra;
  }
}

/** Line breaks inside a field's value, counted as LineIndex counts them. */
export function breaksIn(value: string): number {
  return value.match(/\r\n?|\n/g)?.length ?? 0;
}
