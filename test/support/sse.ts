// A GraphQL-over-SSE client for tests (distinct connections mode): POSTs the
// subscription (or GETs it) with `Accept: text/event-stream` and collects `next` events.
export interface SseSubscription {
  /** Status and content type of the response. */
  readonly status: number;
  readonly contentType: string | null;
  /** The next `next` event's payload ({ data, errors }); rejects if the stream ends or `timeoutMs` passes first. */
  next(timeoutMs?: number): Promise<any>;
  /** Every `next` payload received so far that `next()` has not returned yet. */
  pending(): any[];
  close(): void;
}

export async function subscribe(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  method: 'POST' | 'GET' = 'POST',
  headers: Record<string, string> = {},
): Promise<SseSubscription> {
  const abort = new AbortController();
  const params = new URLSearchParams({ query, variables: JSON.stringify(variables ?? {}) });
  const res =
    method === 'GET'
      ? await fetch(`${url}/graphql?${params}`, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal })
      : await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
          body: JSON.stringify({ query, variables }),
          signal: abort.signal,
        });
  const queue: any[] = [];
  const waiters: { resolve: (value: any) => void; reject: (error: Error) => void }[] = [];
  let ended: Error | null = null;
  let firstChunk: () => void = () => {};
  const started = new Promise<void>((resolve) => (firstChunk = resolve));

  const deliver = (payload: any) => {
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(payload);
    else queue.push(payload);
  };
  const finish = (error: Error) => {
    ended = error;
    firstChunk();
    for (const waiter of waiters.splice(0)) waiter.reject(error);
  };

  void (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        firstChunk();
        buffer += decoder.decode(value, { stream: true });
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (event === 'next' && data.length) deliver(JSON.parse(data.join('\n')));
          if (event === 'complete') finish(new Error('the subscription completed'));
        }
      }
      finish(new Error('the event stream ended'));
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
    }
  })();

  // The server writes a ":" comment as soon as the subscription is set up.
  await started;

  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    next(timeoutMs = 10_000) {
      if (queue.length) return Promise.resolve(queue.shift());
      if (ended) return Promise.reject(ended);
      return new Promise((resolve, reject) => {
        const waiter = {
          resolve: (value: any) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (error: Error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    pending: () => queue.splice(0),
    close: () => abort.abort(),
  };
}
