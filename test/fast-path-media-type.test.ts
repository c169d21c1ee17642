// Which requests the fast path takes and with what media type it answers
// (http/fast-path.ts fastPathMediaType). The answer for a pair of headers is
// kept, so each case is asked twice (worked out, then kept) and after the
// store has been filled past its bound by other pairs.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { fastPathMediaType } from '../src/http/fast-path.ts';

const request = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as IncomingMessage;

const CASES: [method: string, headers: Record<string, string>, answer: string | null][] = [
  ['POST', { 'content-type': 'application/json' }, 'application/json'],
  ['POST', { 'content-type': 'application/json', accept: '' }, 'application/json'],
  ['POST', { 'content-type': 'application/json; charset=utf-8', accept: 'application/graphql-response+json, application/json;q=0.9' }, 'application/graphql-response+json'],
  ['POST', { 'content-type': 'Application/JSON', accept: 'application/json' }, 'application/json'],
  ['POST', { 'content-type': 'application/json', accept: '*/*' }, 'application/json'],
  ['POST', { 'content-type': 'application/json', accept: 'application/*' }, 'application/json'],
  ['POST', { 'content-type': 'application/json', accept: 'application/json; charset=iso-8859-1, application/graphql-response+json' }, 'application/graphql-response+json'],
  ['POST', { 'content-type': 'application/json', accept: 'text/event-stream' }, null],
  ['POST', { 'content-type': 'application/json', accept: 'multipart/mixed, application/json' }, null],
  ['POST', { 'content-type': 'application/json', accept: 'text/html' }, null],
  ['POST', { 'content-type': 'application/json', accept: 'image/png' }, null],
  ['POST', { 'content-type': 'application/jsonp', accept: 'application/json' }, null],
  ['POST', { 'content-type': 'multipart/form-data; boundary=x', accept: 'application/json' }, null],
  ['POST', { accept: 'application/json' }, null],
  ['GET', { 'content-type': 'application/json', accept: 'application/json' }, null],
];

describe('the fast path media type', () => {
  it('answers each pair of headers the same when worked out, when kept, and after other pairs filled the store', () => {
    for (const [method, headers, answer] of CASES) {
      expect(fastPathMediaType(request(method, headers)), JSON.stringify(headers)).toBe(answer);
      expect(fastPathMediaType(request(method, headers)), JSON.stringify(headers)).toBe(answer);
    }
    // A client varying its headers: the store stays bounded (it is emptied when full) and every answer stays right.
    for (let i = 0; i < 600; i++) {
      const accept = i % 2 ? `application/json;q=0.${i}` : `text/html;q=0.${i}`;
      expect(fastPathMediaType(request('POST', { 'content-type': 'application/json', accept }))).toBe(i % 2 ? 'application/json' : null);
    }
    for (const [method, headers, answer] of CASES) expect(fastPathMediaType(request(method, headers)), JSON.stringify(headers)).toBe(answer);
  });

  it('works out headers too long to keep each time', () => {
    const accept = `${'x/y;q=0.1, '.repeat(100)}application/json`;
    for (let i = 0; i < 2; i++) expect(fastPathMediaType(request('POST', { 'content-type': 'application/json', accept }))).toBe('application/json');
  });
});
