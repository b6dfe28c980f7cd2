/**
 * The API server: REST under /api/v1, WebSockets under /ws, health, metrics and OpenAPI, on one
 * fastify instance. `buildServer` takes its dependencies (the batch service and projects) so
 * tests run the real thing against their own stack; api/main.ts wires the production process.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import rateLimit from '@fastify/rate-limit';
import type { BatchService } from '../batches/service.ts';
import type { Projects } from '../batches/projects.ts';
import { logger as defaultLogger } from '../lib/logger.ts';
import { LIBPHONENUMBER_VERSION } from '../core/metadata.ts';
import { loadApiOptions, type ApiOptions } from './config.ts';
import { closeUnreadErrors, errorHandler, errors, toErrorBody } from './errors.ts';
import { RouteMethods } from './methods.ts';
import { registerStrictJson } from './json-body.ts';
import { OutageLog } from './outage.ts';
import { AuthFailures, registerAuth, selectProtocol, TokenResolver } from './auth.ts';
import { validatorCompiler } from './validation.ts';
import { createMetrics, type ApiMetrics } from './metrics.ts';
import { ProgressHub } from './progress-hub.ts';
import { registerWebSockets } from './ws.ts';
import { registerBatchRoutes, UPLOAD_TYPES } from './routes/batches.ts';
import { registerNumberRoutes } from './routes/numbers.ts';
import { registerValidateRoute } from './routes/validate.ts';
import { registerOpsRoutes } from './routes/ops.ts';

export interface ServerDeps {
  service: BatchService;
  projects: Projects;
  options?: Partial<ApiOptions>;
  logger?: FastifyBaseLogger;
}

export interface ApiServer {
  app: FastifyInstance;
  hub: ProgressHub;
  metrics: ApiMetrics;
  tokens: TokenResolver;
}

export async function buildServer(deps: ServerDeps): Promise<ApiServer> {
  const options: ApiOptions = { ...loadApiOptions(), ...deps.options };
  const app = Fastify({
    loggerInstance: (deps.logger ?? defaultLogger) as FastifyBaseLogger,
    bodyLimit: options.jsonBodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // What the router refuses before any route (bad percent-encoding, a path segment over
    // maxParamLength) gets the same error body as everything else: 400, path named.
    frameworkErrors: (err, _req, reply) => {
      const e = errors.invalidRequest([
        {
          field: 'path',
          reason:
            err.code === 'FST_ERR_MAX_PARAM_LENGTH'
              ? 'a path segment is longer than 200 characters'
              : 'not a valid URL path',
        },
      ]);
      void (reply as FastifyReply).code(e.statusCode).send(toErrorBody(e));
    },
    // The request log line carries method, url, host and remote address only: no headers, so
    // no Authorization or Sec-WebSocket-Protocol token.
  });
  const metrics = createMetrics();
  const tokens = new TokenResolver(deps.projects);
  const outages = new OutageLog(app.log);
  const hub = new ProgressHub({
    source: deps.service,
    hz: options.progressHz,
    metrics,
    log: app.log,
    outages,
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(errorHandler(outages));
  app.addHook('onSend', closeUnreadErrors);
  // A request no route matches is answered in an onRequest hook (below, after the WebSocket
  // plugin's): before authentication (a 404 or 405 guards nothing) and before fastify reads a
  // body (a body method such as QUERY without a content type would be a 400 first).
  const routeMethods = new RouteMethods();
  app.addHook('onRoute', (route) => routeMethods.add(route.url, route.method));
  const unrouted = (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!;
    const allow = routeMethods.allowed(path);
    if (!allow) return errors.routeNotFound(req.method, path);
    void reply.header('allow', allow.join(', '));
    return errors.methodNotAllowed(req.method, path, allow);
  };
  app.setNotFoundHandler((req, reply) => {
    const err = unrouted(req, reply);
    void reply.code(err.statusCode).send(toErrorBody(err));
  });
  registerStrictJson(app);
  // Streamed uploads: the handler reads the raw body (api/upload.ts), never buffered here.
  app.addContentTypeParser(Object.keys(UPLOAD_TYPES), (_req, payload, done) => done(null, payload));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'PhoneBatch API',
        version: '1.0.0',
        description: `Bulk phone-number generation and validation. libphonenumber-js ${LIBPHONENUMBER_VERSION} (/max metadata). WebSockets: /ws/ and /ws/tasks/ (see docs/api.md).`,
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'API token from `phonebatch token create --project NAME`.',
          },
        },
      },
      tags: [{ name: 'batches' }, { name: 'numbers' }, { name: 'validate' }, { name: 'operations' }],
    },
  });
  // Before registerAuth: the plugin's own onRequest hook must mark upgrade requests first, so
  // that a 401 sent before the upgrade also closes the raw socket (its onResponse hook).
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024, handleProtocols: (protocols) => selectProtocol(protocols) },
  });
  // After the WebSocket plugin's hook, which marks upgrade requests so that an answer sent
  // before the upgrade also closes the raw socket.
  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.url === undefined) throw unrouted(req, reply);
  });
  registerAuth(app, tokens, new AuthFailures(options.authFailuresPerMinute));
  await app.register(rateLimit, {
    global: true,
    // After authentication, so the key is the token; anonymous calls never get this far.
    hook: 'preHandler',
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => (req.auth ? `token:${req.auth.tokenId}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, ctx) => errors.rateLimited(ctx.after),
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  const { service } = deps;
  registerOpsRoutes(app, { service, metrics });
  registerBatchRoutes(app, { service, options, hub });
  registerNumberRoutes(app, { service });
  registerValidateRoute(app, { maxResults: options.maxValidateResults });
  const takeBudget = app.createRateLimit();
  const overBudget = async (req: FastifyRequest) => {
    const r = await takeBudget(req);
    return !r.isAllowed && r.isExceeded;
  };
  registerWebSockets(app, { service, hub, metrics, overBudget, heartbeatMs: options.wsHeartbeatMs });

  app.addHook('onReady', async () => hub.start());
  app.addHook('onClose', async () => hub.stop());
  return { app, hub, metrics, tokens };
}
