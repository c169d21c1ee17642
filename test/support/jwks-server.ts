// Signing keys and a JWKS served on 127.0.0.1 for the authentication tests:
// the set can be rotated, made to fail or to hang, and counts its fetches.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface TestKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

export async function makeKey(kid: string, alg: 'RS256' | 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}

export interface JwksServer {
  readonly url: string;
  /** Fetches answered (or hung) so far. */
  readonly fetches: number;
  /** The keys served from now on. */
  serve(keys: TestKey[]): void;
  /** 'ok' serves the keys; 'error' answers 500; 'garbage' answers non-JSON; 'hang' never answers. */
  mode: 'ok' | 'error' | 'garbage' | 'hang';
  close(): Promise<void>;
}

export async function startJwksServer(keys: TestKey[]): Promise<JwksServer> {
  let served = keys;
  let fetches = 0;
  const state = { mode: 'ok' as JwksServer['mode'] };
  const server: Server = createServer((req, res) => {
    fetches++;
    if (state.mode === 'hang') return;
    if (state.mode === 'error') return void res.writeHead(500).end('boom');
    if (state.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>');
    const body = JSON.stringify({ keys: served.map((key) => key.jwk) });
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return {
    url,
    get fetches() {
      return fetches;
    },
    serve(next) {
      served = next;
    },
    get mode() {
      return state.mode;
    },
    set mode(mode) {
      state.mode = mode;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just freed). */
export async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/jwks.json`;
}

export interface SignOptions {
  /** Seconds from now; null leaves `exp` out. */
  readonly expiresIn?: number | null;
  readonly notBefore?: number;
  readonly issuer?: string;
  readonly audience?: string;
}

/** Every token the tests signed, so the log check can look for each. */
export const issuedTokens: string[] = [];

export async function sign(claims: Record<string, unknown>, key: TestKey | Uint8Array, options: SignOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header = key instanceof Uint8Array ? { alg: 'HS256', typ: 'JWT' } : { alg: key.alg, kid: key.kid, typ: 'JWT' };
  let jwt = new SignJWT(claims).setProtectedHeader(header).setIssuedAt(now);
  if (options.expiresIn !== null) jwt = jwt.setExpirationTime(now + (options.expiresIn ?? 600));
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(now + options.notBefore);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  const token = await jwt.sign(key instanceof Uint8Array ? key : key.privateKey);
  issuedTokens.push(token);
  return token;
}

export const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
