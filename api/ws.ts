/**
 * WebSocket endpoints, on the same server as REST (authenticated in onRequest, before the
 * upgrade; see api/auth.ts).
 *
 *  /ws/        dashboard: `connection_status` on connect; `ping` → `pong`.
 *  /ws/tasks/  `active_tasks` on connect, then `task_progress` / `task_completed` pushes for
 *              the token's project only.
 *
 * Client messages (JSON, both paths): `{"type":"ping"}`, `{"type":"get_active_tasks"}`,
 * `{"type":"get_task_status","task_id":…}`, `{"type":"cancel_task","task_id":…}`. Replies:
 * `pong`, `active_tasks`, `task_status` `{task}`, `task_cancel_requested` `{task_id}`, or
 * `{"type":"error","code","message"}` (codes: invalid_message, not_found, batch_not_running).
 *
 * The message listener is attached synchronously in the handler, before any await, so a
 * client's first message is never lost (O8); replies go out in order through one promise chain
 * per socket, behind the greeting. Each client message takes one request from the token's REST
 * rate-limit budget; past it the socket is closed with 1008 "rate limit exceeded".
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { BatchService } from '../batches/service.ts';
import { ApiError, toErrorBody } from './errors.ts';
import { normalizeUuid } from './validation.ts';
import type { ProgressHub } from './progress-hub.ts';
import type { ApiMetrics } from './metrics.ts';

/** Above this many buffered bytes a client is slow: progress pushes are skipped (the next one supersedes), completions never. */
const SLOW_CLIENT_BYTES = 256 * 1024;
/**
 * Above this many buffered bytes a client is not reading at all: the socket is closed (1008)
 * instead of queueing replies without bound (e.g. a paused client sending pings).
 */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/**
 * At most this many bytes of client messages waiting for their reply per socket (each message
 * counts its size plus PENDING_OVERHEAD); beyond, the socket is closed (1008). Past
 * PAUSE_PENDING_BYTES the server stops reading the socket until its backlog halves, so a
 * flooding client is held back by TCP instead of queued in memory.
 */
const MAX_PENDING_BYTES = 512 * 1024;
const PAUSE_PENDING_BYTES = 16 * 1024;
const PENDING_OVERHEAD = 64;
/** A socket closed for policy reasons is cut off after this long if its client never completes the close handshake. */
const POLICY_CLOSE_GRACE_MS = 5_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WsDeps {
  service: BatchService;
  hub: ProgressHub;
  metrics: ApiMetrics;
  /**
   * Takes one request from the caller's budget and resolves true when it is past it: the same
   * store and key (the token) as REST's rate limit (@fastify/rate-limit createRateLimit), so
   * messages and requests share one budget.
   */
  overBudget: (req: FastifyRequest) => Promise<boolean>;
  /** Ping interval (ms): a socket that did not answer the last ping by the next is closed. */
  heartbeatMs: number;
}

export function registerWebSockets(app: FastifyInstance, deps: WsDeps): void {
  app.get('/ws/', { websocket: true }, (socket, req) => serve(socket, req, deps, false));
  app.get('/ws/tasks/', { websocket: true }, (socket, req) => serve(socket, req, deps, true));
}

function serve(socket: WebSocket, req: FastifyRequest, deps: WsDeps, tasks: boolean): void {
  const project = req.auth!.project;
  const path = tasks ? '/ws/tasks/' : '/ws/';
  /** Closes with 1008 (policy violation); terminates if the client never answers the close. */
  const policyClose = (reason: string) => {
    if (socket.readyState !== socket.OPEN) return;
    req.log.info({ path, bufferedAmount: socket.bufferedAmount }, `websocket closed: ${reason}`);
    deps.metrics.wsPolicyCloses.inc({ reason });
    socket.close(1008, reason);
    // A client that does not read never sees the close frame: do not wait ws's 30 s for it.
    setTimeout(() => socket.terminate(), POLICY_CLOSE_GRACE_MS).unref();
  };
  const send = (type: string, json: string) => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      policyClose('client is not reading');
      return;
    }
    socket.send(json);
    deps.metrics.wsMessagesSent.inc({ type });
  };
  const reply = (msg: { type: string } & Record<string, unknown>) => send(msg.type, JSON.stringify(msg));
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (fn: () => Promise<void> | void) => {
    chain = chain.then(fn).catch((err: unknown) => {
      // The same codes and messages as REST (api/errors.ts).
      const body = toErrorBody(err);
      if (body.statusCode >= 500 && body.code === 'internal') req.log.warn({ err }, 'websocket handler failed');
      reply({ type: 'error', code: body.code, message: body.message });
    });
  };

  // Synchronously, before anything async: the first message must not be lost.
  let pendingBytes = 0;
  socket.on('message', (data, isBinary) => {
    if (socket.readyState !== socket.OPEN) return;
    const cost = messageBytes(data) + PENDING_OVERHEAD;
    pendingBytes += cost;
    if (pendingBytes > MAX_PENDING_BYTES) {
      policyClose('too many messages in flight');
      return;
    }
    if (pendingBytes > PAUSE_PENDING_BYTES && !socket.isPaused) socket.pause();
    const text = isBinary ? null : data.toString();
    enqueue(async () => {
      try {
        // Closed meanwhile: its queued messages cost nothing more.
        if (socket.readyState !== socket.OPEN) return;
        if (await deps.overBudget(req)) {
          policyClose('rate limit exceeded');
          return;
        }
        await handleMessage(text, project, deps, reply);
      } finally {
        pendingBytes -= cost;
        if (socket.isPaused && pendingBytes < PAUSE_PENDING_BYTES / 2) socket.resume();
      }
    });
  });
  deps.metrics.wsConnections.inc({ path });
  // Heartbeat: a client that stopped reading (or vanished) never answers a ping, however few
  // bytes its replies take; the buffers alone would only notice once megabytes piled up.
  let answered = true;
  socket.on('pong', () => (answered = true));
  const heartbeat = setInterval(() => {
    // ws answers a client's pings itself, outside send(): check what piled up here too.
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return policyClose('client is not reading');
    // Paused by the server (its messages are still being answered), it cannot have read the pong.
    if (socket.isPaused) return;
    if (!answered) return policyClose('client is not reading');
    answered = false;
    socket.ping();
  }, deps.heartbeatMs);
  heartbeat.unref();
  let unsubscribe = () => {};
  socket.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
    deps.metrics.wsConnections.dec({ path });
  });

  if (!tasks) {
    enqueue(() =>
      reply({
        type: 'connection_status',
        status: 'connected',
        message: `Connected to PhoneBatch (project ${project})`,
        project,
        timestamp: new Date().toISOString(),
      }),
    );
    return;
  }
  // Subscribe now and queue pushes behind active_tasks, so nothing between the snapshot and
  // the subscription is missed.
  unsubscribe = deps.hub.subscribe(project, (msg, json) => {
    if (msg.type === 'task_progress' && socket.bufferedAmount > SLOW_CLIENT_BYTES) return;
    enqueue(() => send(msg.type, json));
  });
  enqueue(async () =>
    reply({ type: 'active_tasks', tasks: await deps.hub.activeTasks(project), timestamp: new Date().toISOString() }),
  );
}

function messageBytes(data: Buffer | ArrayBuffer | Buffer[]): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
}

async function handleMessage(
  text: string | null,
  project: string,
  deps: WsDeps,
  reply: (msg: { type: string } & Record<string, unknown>) => void,
): Promise<void> {
  let msg: unknown;
  try {
    msg = text === null ? undefined : JSON.parse(text);
  } catch {
    msg = undefined;
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg) || typeof (msg as { type?: unknown }).type !== 'string') {
    reply({ type: 'error', code: 'invalid_message', message: 'message: expected a JSON object with a string "type"' });
    return;
  }
  const m = msg as { type: string; task_id?: unknown };
  const taskId = () => {
    if (typeof m.task_id !== 'string' || !UUID.test(m.task_id)) {
      throw new ApiError('invalid_request', 'task_id: expected a batch id (UUID)');
    }
    return normalizeUuid(m.task_id);
  };
  switch (m.type) {
    case 'ping':
      reply({ type: 'pong', timestamp: new Date().toISOString() });
      return;
    case 'get_active_tasks':
      reply({ type: 'active_tasks', tasks: await deps.hub.activeTasks(project), timestamp: new Date().toISOString() });
      return;
    case 'get_task_status': {
      const id = taskId();
      const task = await deps.hub.taskStatus(project, id);
      if (!task)
        reply({ type: 'error', code: 'not_found', message: `task_id: no task ${id} in this project`, task_id: id });
      else reply({ type: 'task_status', task, timestamp: new Date().toISOString() });
      return;
    }
    case 'cancel_task': {
      const id = taskId();
      await deps.service.cancel(project, id);
      reply({ type: 'task_cancel_requested', task_id: id, timestamp: new Date().toISOString() });
      return;
    }
    default:
      reply({ type: 'error', code: 'invalid_message', message: `type: unknown message type "${m.type.slice(0, 64)}"` });
  }
}
