// The environment is read in one place and a bad value is named clearly.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('config', () => {
  it('defaults match the contract', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: 'mysql://root@127.0.0.1:3306/shop',
      database: { host: '127.0.0.1', port: 3306, user: 'root', password: '', name: 'shop' },
      port: 4000,
      host: '127.0.0.1',
      dbPoolSize: 10,
      logLevel: 'info',
      migrateOnStart: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it('reads every variable of the contract', () => {
    const config = loadConfig({
      DATABASE_URL: 'mysql://app:s%40cret@db.internal:3307/orders',
      PORT: '0',
      HOST: '0.0.0.0',
      DB_POOL_SIZE: '25',
      LOG_LEVEL: 'debug',
      MIGRATE_ON_START: 'false',
    });
    expect(config.database).toEqual({ host: 'db.internal', port: 3307, user: 'app', password: 's@cret', name: 'orders' });
    expect(config).toMatchObject({ port: 0, host: '0.0.0.0', dbPoolSize: 25, logLevel: 'debug', migrateOnStart: false });
  });

  it.each([
    ['DATABASE_URL', 'not a url', /DATABASE_URL/],
    ['DATABASE_URL', 'postgres://x@y/z', /DATABASE_URL.*protocol/],
    ['DATABASE_URL', 'mysql://root@127.0.0.1:3306/', /DATABASE_URL.*database name/],
    ['PORT', '70000', /PORT.*between 0 and 65535.*70000/],
    ['PORT', 'http', /PORT/],
    ['DB_POOL_SIZE', '0', /DB_POOL_SIZE.*between 1 and/],
    ['DB_POOL_SIZE', '-3', /DB_POOL_SIZE/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL.*one of/],
    ['MIGRATE_ON_START', 'maybe', /MIGRATE_ON_START/],
    ['REDIS_URL', 'http://x', /REDIS_URL/],
    ['RESPONSE_CACHE_STORE', 'disk', /RESPONSE_CACHE_STORE.*memory or redis.*disk/],
    ['RESPONSE_CACHE_STORE', 'redis', /RESPONSE_CACHE_STORE.*REDIS_URL is not set/],
    ['RESPONSE_CACHE_MAX_BYTES', '1023', /RESPONSE_CACHE_MAX_BYTES.*between 1024 and/],
    ['RESPONSE_CACHE_MAX_BYTES', '64MB', /RESPONSE_CACHE_MAX_BYTES.*whole number/],
  ])('%s=%j is refused with a one-line message naming the variable', (variable, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('the response cache lives in Redis when REDIS_URL is set, unless told otherwise, and is bounded to 64 MiB', () => {
    expect(loadConfig({})).toMatchObject({ responseCacheStore: 'memory', responseCacheMaxBytes: 64 * 1024 * 1024 });
    const redis = 'redis://127.0.0.1:6379';
    expect(loadConfig({ REDIS_URL: redis }).responseCacheStore).toBe('redis');
    expect(loadConfig({ REDIS_URL: redis, RESPONSE_CACHE_STORE: ' Memory ' }).responseCacheStore).toBe('memory');
    expect(loadConfig({ REDIS_URL: redis, RESPONSE_CACHE_STORE: 'redis' }).responseCacheStore).toBe('redis');
    expect(loadConfig({ RESPONSE_CACHE_STORE: '' }).responseCacheStore).toBe('memory');
    expect(loadConfig({ RESPONSE_CACHE_MAX_BYTES: '1024' }).responseCacheMaxBytes).toBe(1024);
  });

  it('never lets the restock concurrency exceed the pool', () => {
    expect(loadConfig({ DB_POOL_SIZE: '2', RESTOCK_CONCURRENCY: '8' }).restockConcurrency).toBe(2);
  });
});

describe('DATABASE_REPLICA_URLS', () => {
  it('is none by default: every statement goes to DATABASE_URL', () => {
    expect(loadConfig({}).replication).toEqual({ replicas: [], maxLagMs: 1000, probeIntervalMs: 1000, readYourWritesWaitMs: 250 });
  });

  it("reads comma-separated replicas; one without a database name serves the primary's", () => {
    const { replication } = loadConfig({
      DATABASE_URL: 'mysql://root@db-1:3306/shop',
      DATABASE_REPLICA_URLS: ' mysql://reader:pw@db-2:3306/shop , mysql://reader@db-3:3307 ',
      REPLICA_MAX_LAG_MS: '2000',
    });
    expect(replication.replicas).toEqual([
      { host: 'db-2', port: 3306, user: 'reader', password: 'pw', name: 'shop' },
      { host: 'db-3', port: 3307, user: 'reader', password: '', name: 'shop' },
    ]);
    expect(replication.maxLagMs).toBe(2000);
  });

  it.each([
    ['a replica of another database', 'mysql://root@db-2/other', /must serve the primary's database "shop"/],
    ['the primary itself', 'mysql://root@127.0.0.1:3306/shop', /is the primary itself/],
    ['not a URL', 'db-2', /is not a URL/],
  ])('refuses %s, naming the variable', (_name, value, message) => {
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: value })).toThrow(/^Invalid DATABASE_REPLICA_URLS: /);
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: value })).toThrow(message);
  });
});
