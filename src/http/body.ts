// The request-body cap of the node:http front: a declared Content-Length over
// the cap is refused before a byte is read, and any other body is read with a
// running count and refused as soon as it passes the cap. The body is handed
// on as a Buffer (req.body, which @whatwg-node/server takes as the body), so
// Yoga's own TransformStream-based limit can stay off and a faster front can
// parse the same Buffer itself.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class BodyTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    /** Declared Content-Length, or the bytes read when the cap was passed. */
    readonly bytes: number,
  ) {
    super(`The request body is larger than the limit of ${maxBytes} bytes.`);
    this.name = 'BodyTooLargeError';
  }
}

/** Content-Length as a number, or null when absent or malformed. */
export function declaredLength(req: IncomingMessage): number | null {
  const raw = req.headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw)) return null;
  return Number(raw);
}

export function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = declaredLength(req);
  return length !== null && length > 0;
}

/**
 * Reads the whole body, stopping (and rejecting) as soon as it passes `maxBytes`.
 * The listeners are inline and stay on the request once it has settled (a
 * flag makes them inert): no named closures per request, which tsx's keepNames
 * would give a defineProperty each, and no removals.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > maxBytes) {
        settled = true;
        req.pause();
        reject(new BodyTooLargeError(maxBytes, received));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    });
    req.on('error', (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
    req.on('close', () => {
      if (settled) return;
      settled = true;
      reject(new Error('the client closed the connection before sending the whole body'));
    });
  });
}

/**
 * Answers 413 with a GraphQL-shaped JSON error and closes the connection, so
 * the rest of an oversized body is never read.
 */
export function sendBodyTooLarge(res: ServerResponse, error: BodyTooLargeError, requestId: string): void {
  const text = JSON.stringify({
    errors: [
      {
        message: error.message,
        extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'bodyBytes', value: error.bytes, max: error.maxBytes, requestId },
      },
    ],
  });
  res.writeHead(413, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  });
  res.end(text);
}

/** A GraphQL multipart request (an upload), which has a cap of its own. */
export function isMultipart(req: IncomingMessage): boolean {
  return req.method === 'POST' && /^multipart\/form-data\s*;/i.test(req.headers['content-type'] ?? '');
}

/**
 * 413 for an upload over MAX_UPLOAD_BYTES, as BAD_USER_INPUT: nothing of it
 * was stored, and the client can act on it (send a smaller file).
 */
export function sendUploadTooLarge(res: ServerResponse, maxUploadBytes: number, bytes: number, requestId: string): void {
  const text = JSON.stringify({
    errors: [
      {
        message: `The upload is ${bytes} bytes, over the limit of ${maxUploadBytes} bytes for a file (MAX_UPLOAD_BYTES) plus the request's other fields; nothing was stored.`,
        extensions: { code: 'BAD_USER_INPUT', limit: 'uploadBytes', value: bytes, max: maxUploadBytes, requestId },
      },
    ],
  });
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' });
  res.end(text);
}

/**
 * Runs `next` once the body (if any) is read under the cap and set as
 * req.body; answers 413 otherwise. `onRefused` lets the caller record it.
 * A multipart upload (with `maxUploadBytes`) is not read here: a declared
 * length over the file limit plus the body cap (for the operations and map
 * fields) is refused before a byte is read, and any other goes on as a
 * stream, whose file Yoga's multipart parser stops at the file limit.
 */
export function withBodyCap(
  req: IncomingMessage,
  res: ServerResponse,
  options: { maxBytes: number; requestId: string; onRefused?: () => void; maxUploadBytes?: number },
  next: () => void,
): void {
  if (!hasBody(req)) return next();
  if (options.maxUploadBytes !== undefined && isMultipart(req)) {
    const declared = declaredLength(req);
    if (declared !== null && declared > options.maxUploadBytes + options.maxBytes) {
      options.onRefused?.();
      return sendUploadTooLarge(res, options.maxUploadBytes, declared, options.requestId);
    }
    return next();
  }
  const declared = declaredLength(req);
  if (declared !== null && declared > options.maxBytes) return refuseBody(res, options, new BodyTooLargeError(options.maxBytes, declared));
  readBody(req, options.maxBytes).then(
    (body) => {
      (req as IncomingMessage & { body?: Buffer }).body = body;
      next();
    },
    (error: unknown) => {
      if (error instanceof BodyTooLargeError) refuseBody(res, options, error);
      else res.destroy();
    },
  );
}

function refuseBody(res: ServerResponse, options: { requestId: string; onRefused?: () => void }, error: BodyTooLargeError): void {
  options.onRefused?.();
  sendBodyTooLarge(res, error, options.requestId);
}
