/** API-process settings from the environment (on top of lib/config.ts). */
export interface ApiOptions {
  /** Listen address (PHONEBATCH_API_HOST, default 0.0.0.0). */
  host: string;
  /** Listen port (PHONEBATCH_API_PORT, default 8080; 0 picks a free one). */
  port: number;
  /** Requests per token per minute (PHONEBATCH_API_RATE_LIMIT, default 1200). */
  rateLimitPerMinute: number;
  /**
   * Failed authentications per client address per minute (PHONEBATCH_API_AUTH_FAILURES, default
   * 30); past it the address gets 429 without a token lookup. Behind a proxy, the address is
   * the proxy's unless fastify's trustProxy is set.
   */
  authFailuresPerMinute: number;
  /** Largest CSV/NDJSON upload in bytes (PHONEBATCH_API_UPLOAD_LIMIT, default 512 MiB). */
  uploadLimitBytes: number;
  /** Largest JSON body in bytes (default 4 MiB: 10,000 inline numbers fit). */
  jsonBodyLimitBytes: number;
  /** Progress queries per active batch per second, per replica (PHONEBATCH_API_PROGRESS_HZ, default 4). */
  progressHz: number;
  /**
   * How often each WebSocket is pinged (PHONEBATCH_API_WS_HEARTBEAT_MS, default 15000); one that
   * has not answered the previous ping by the next is closed (1008 "client is not reading").
   */
  wsHeartbeatMs: number;
  /** Fields per POST /validate request. */
  maxValidateNumbers: number;
  /**
   * Numbers found per POST /validate request, over all its fields (one field can hold
   * hundreds: "1/1/1/…"). Past it the request is refused and stops costing CPU.
   */
  maxValidateResults: number;
}

export function loadApiOptions(env: NodeJS.ProcessEnv = process.env): ApiOptions {
  const num = (v: string | undefined, d: number) =>
    v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d;
  return {
    host: env.PHONEBATCH_API_HOST ?? '0.0.0.0',
    port: num(env.PHONEBATCH_API_PORT, 8080),
    rateLimitPerMinute: num(env.PHONEBATCH_API_RATE_LIMIT, 1200),
    authFailuresPerMinute: num(env.PHONEBATCH_API_AUTH_FAILURES, 30),
    uploadLimitBytes: num(env.PHONEBATCH_API_UPLOAD_LIMIT, 512 * 1024 * 1024),
    jsonBodyLimitBytes: 4 * 1024 * 1024,
    progressHz: num(env.PHONEBATCH_API_PROGRESS_HZ, 4),
    wsHeartbeatMs: num(env.PHONEBATCH_API_WS_HEARTBEAT_MS, 15_000),
    maxValidateNumbers: 1000,
    maxValidateResults: 10_000,
  };
}
