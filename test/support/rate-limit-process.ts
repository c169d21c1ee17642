// A process of its own with a rate limiter on the shared Redis, for the test
// that the limit holds across processes: RL_CHECKS checks of RL_KEY at once,
// then one line of JSON with how many passed and how many were refused.
import { createRateLimiter } from '../../src/http/rate-limit.ts';

const env = process.env;
const limiter = createRateLimiter(
  { perMinute: Number(env.RL_PER_MINUTE), mutationsPerMinute: null },
  { redisUrl: env.REDIS_URL!, scope: env.RL_SCOPE! },
);
// Counted in Redis only once connected; wait for that rather than count locally.
for (let i = 0; i < 100; i++) {
  const probe = limiter.check(`probe:${env.RL_SCOPE}`, false);
  if (probe instanceof Promise) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const verdicts = await Promise.all(Array.from({ length: Number(env.RL_CHECKS) }, () => limiter.check(env.RL_KEY!, false)));
console.log(JSON.stringify({ ok: verdicts.filter((v) => v === 'ok').length, refused: verdicts.filter((v) => v !== 'ok').length }));
await limiter.close();
