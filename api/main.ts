/**
 * API process entry point: `node --import tsx api/main.ts` (or `phonebatch api`). Configuration
 * from lib/config.ts and api/config.ts (PHONEBATCH_API_PORT, PHONEBATCH_API_HOST, …). Stops
 * cleanly on SIGTERM/SIGINT: closes WebSockets, finishes requests, then the connections.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../lib/config.ts';
import { logger } from '../lib/logger.ts';
import { closeAllPools, openBatchService } from '../batches/service.ts';
import { loadApiOptions, type ApiOptions } from './config.ts';
import { buildServer, type ApiServer } from './server.ts';

export interface RunningApi extends ApiServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Builds the server over a batch service for `config` and listens. PostgreSQL and Temporal are
 * connected on first use; /readyz says whether they answer.
 */
export async function startApi(config: Config = loadConfig(), options: Partial<ApiOptions> = {}): Promise<RunningApi> {
  const opts = { ...loadApiOptions(), ...options };
  const { service, projects, temporal } = openBatchService(config, { poolSize: 16 });
  const server = await buildServer({ service, projects, options: opts });
  await server.app.listen({ host: opts.host, port: opts.port });
  const addr = server.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    ...server,
    url: `http://${host}:${port}`,
    port,
    async stop() {
      await server.app.close();
      await temporal.connection.close().catch(() => {});
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const api = await startApi();
  logger.info({ url: api.url }, 'api listening');
  // Line for parents that spawn this process (tests, demo): the port actually bound.
  if (process.env.PHONEBATCH_API_PRINT_PORT) process.stdout.write(`PHONEBATCH_API_PORT=${api.port}\n`);
  const shutdown = async () => {
    await api.stop();
    await closeAllPools();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}
