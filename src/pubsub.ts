// Live events between the write path and subscribers. In-process by default
// (Yoga's createPubSub); with REDIS_URL, through Redis publish/subscribe, so
// every gateway process sharing the database hears every committed order.
// Events carry ids only; subscribers read the order itself from the database.
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, filter, pipe, SlidingBuffer, type PubSub, type PubSubEventTarget } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { OrderEvents, OrderPlacedEvent } from './orders/order.model.ts';

type Topics = {
  /** Routed by scope (see eventScope), so gateways of different databases never mix events. */
  orderPlaced: [scope: string, event: OrderPlacedEvent];
  /** Entities a mutation changed, so every gateway drops cached responses that read them. */
  cacheInvalidated: [scope: string, entities: string[]];
};

export interface AppPubSub extends OrderEvents {
  readonly transport: 'memory' | 'redis';
  /** Tells every gateway (this one included) that these entities changed. */
  publishCacheInvalidation(entities: readonly string[]): void;
  /** Calls `listener` for each invalidation until the returned function is called. */
  onCacheInvalidation(listener: (entities: string[]) => void): () => void;
  close(): Promise<void>;
}

/** Events a subscriber has not read yet, kept per subscription; the oldest go first when a reader lags. */
const SUBSCRIBER_BUFFER = 1000;

/** The database a gateway serves: events of one database mean nothing to another. */
export function eventScope(config: Config): string {
  const { host, port, name } = config.database;
  return `${host}:${port}/${name}`;
}

/** The Redis channel orderPlaced events travel on (Yoga's pubsub joins topic and id with ':'). */
export function orderPlacedChannel(config: Config): string {
  return `orderPlaced:${eventScope(config)}`;
}

export function createAppPubSub(config: Config, log: Logger): AppPubSub {
  const scope = eventScope(config);
  const redis = config.redisUrl ? connectRedis(config.redisUrl, log) : null;
  const pubsub: PubSub<Topics> = createPubSub<Topics>({
    eventTarget: redis?.eventTarget,
    repeaterBuffer: new SlidingBuffer(SUBSCRIBER_BUFFER),
  });
  return {
    transport: redis ? 'redis' : 'memory',
    publishOrderPlaced(event) {
      try {
        pubsub.publish('orderPlaced', scope, event);
      } catch (error) {
        // The order is committed whatever happens here; a subscriber missing it is the lesser harm.
        log.warn({ err: error, orderId: event.orderId }, 'could not publish orderPlaced');
      }
    },
    subscribeOrderPlaced(userId) {
      const events = startNow(pubsub.subscribe('orderPlaced', scope));
      return userId === null ? events : pipe(events, filter((event) => event.userId === userId));
    },
    publishCacheInvalidation(entities) {
      try {
        pubsub.publish('cacheInvalidated', scope, [...entities]);
      } catch (error) {
        log.warn({ err: error }, 'could not publish a cache invalidation; other gateways see it within their TTL');
      }
    },
    onCacheInvalidation(listener) {
      const events = startNow(pubsub.subscribe('cacheInvalidated', scope));
      void (async () => {
        for await (const entities of events) listener(entities);
      })().catch((error: unknown) => log.warn({ err: error }, 'cache invalidation feed stopped'));
      return () => void events.return?.();
    },
    async close() {
      await redis?.close();
    },
  };
}

/**
 * Starts listening at once rather than on the first read. Yoga's pub/sub
 * registers its listener lazily, when the response stream first pulls; started
 * here, inside the subscribe resolver, every event committed after the
 * response began is delivered, and with Redis the SUBSCRIBE is already sent.
 */
function startNow<T>(source: AsyncIterableIterator<T>): AsyncIterableIterator<T> {
  let first: Promise<IteratorResult<T>> | null = source.next();
  const iterator: AsyncIterableIterator<T> = {
    next() {
      const pending = first;
      first = null;
      return pending ?? source.next();
    },
    return(value?: unknown) {
      first = null;
      return source.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined });
    },
    throw(error?: unknown) {
      first = null;
      return source.throw?.(error) ?? Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

interface RedisTransport {
  eventTarget: PubSubEventTarget<Topics>;
  close(): Promise<void>;
}

function connectRedis(url: string, log: Logger): RedisTransport {
  // Publishing and subscribing need separate connections: one in subscriber mode can only subscribe.
  const publisher = new Redis(url, { maxRetriesPerRequest: 3, connectionName: 'gateway-publish' });
  const subscriber = new Redis(url, { maxRetriesPerRequest: 3, connectionName: 'gateway-subscribe' });
  for (const [role, client] of [
    ['publish', publisher],
    ['subscribe', subscriber],
  ] as const) {
    let reported = false;
    // Without a listener a lost connection would be an uncaught 'error'; log once per outage.
    client.on('error', (error: unknown) => {
      if (!reported) log.warn({ err: error, role }, 'Redis pub/sub connection failed; retrying');
      reported = true;
    });
    client.on('ready', () => {
      if (reported) log.info({ role }, 'Redis pub/sub connection restored');
      reported = false;
    });
  }
  // The event target fires these commands and drops their promises; a rejection
  // (Redis down) must be logged here, not become an unhandled rejection.
  const report = (action: string) => (error: unknown) => void log.warn({ err: error, action }, 'Redis pub/sub command failed');
  const publishClient = {
    publish: (channel: string, message: string) => publisher.publish(channel, message).catch(report('publish')),
  };
  // ioredis 5.8+ can interleave a SUBSCRIBE sent during its connection handshake
  // with its INFO ready check, which then fails in subscriber mode and the
  // subscription is silently lost (redis/ioredis#2037). So (un)subscribe only
  // once the connection is ready, one after another so their order holds.
  let subscriptions: Promise<unknown> = Promise.resolve();
  const whenReady = () =>
    subscriber.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => subscriber.once('ready', () => resolve()));
  const inOrder = (action: 'subscribe' | 'unsubscribe', channel: string) =>
    (subscriptions = subscriptions
      .then(whenReady)
      .then(() => subscriber[action](channel))
      .catch(report(action)));
  const subscribeClient = {
    on(event: string, listener: (...args: any[]) => void) {
      subscriber.on(event, listener);
      return subscribeClient;
    },
    subscribe: (channel: string) => inOrder('subscribe', channel),
    unsubscribe: (channel: string) => inOrder('unsubscribe', channel),
  };
  const eventTarget = createRedisEventTarget({
    publishClient: publishClient as unknown as Redis,
    subscribeClient: subscribeClient as unknown as Redis,
  }) as unknown as PubSubEventTarget<Topics>;
  return {
    eventTarget,
    async close() {
      await Promise.all(
        [publisher, subscriber].map(async (client) => {
          // quit() waits for a reply that never comes while disconnected.
          if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
          else client.disconnect();
        }),
      );
    },
  };
}
