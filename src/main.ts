// Wires the app to a port: validates the environment, waits for the database
// (applying migrations unless MIGRATE_ON_START=false), listens, and shuts down
// gracefully on SIGTERM/SIGINT.
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { waitForDatabase } from './db/startup.ts';
import { createLogger } from './logger.ts';
import { createApp } from './server.ts';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const log = createLogger(config.logLevel);
await waitForDatabase(config, log, { migrate: config.migrateOnStart });

const app = createApp(config, { logger: log });
const server = createServer(app.handle);
server.keepAliveTimeout = 65_000;
const sockets = new Set<Socket>();
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, host: config.host }, `listening on http://${config.host}:${port}/graphql`);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal, graceMs: config.limits.shutdownGraceMs }, 'shutting down: no new connections, finishing in-flight requests');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), config.limits.shutdownGraceMs).unref());
  const outcome = await Promise.race([closed.then(() => 'drained' as const), deadline]);
  if (outcome === 'deadline') {
    log.warn({ open: sockets.size }, 'grace period over; closing remaining connections');
    for (const socket of sockets) socket.destroy();
  }
  await app.close().catch((error: unknown) => log.error({ err: error }, 'error while closing the pool'));
  log.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
