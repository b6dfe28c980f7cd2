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
 * per socket, behind the greeting.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { ApiError } from './errors.ts';
import { cancelProjectBatch, type BatchServiceDeps } from './batch-service.ts';
import type { ProgressHub } from './progress-hub.ts';
import type { ApiMetrics } from './metrics.ts';

/** Above this many buffered bytes a client is slow: progress pushes are skipped (the next one supersedes), completions never. */
const SLOW_CLIENT_BYTES = 4 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WsDeps extends BatchServiceDeps {
  hub: ProgressHub;
  metrics: ApiMetrics;
}

export function registerWebSockets(app: FastifyInstance, deps: WsDeps): void {
  app.get('/ws/', { websocket: true }, (socket, req) => serve(socket, req, deps, false));
  app.get('/ws/tasks/', { websocket: true }, (socket, req) => serve(socket, req, deps, true));
}

function serve(socket: WebSocket, req: FastifyRequest, deps: WsDeps, tasks: boolean): void {
  const project = req.auth!.project;
  const path = tasks ? '/ws/tasks/' : '/ws/';
  const send = (type: string, json: string) => {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(json);
    deps.metrics.wsMessagesSent.inc({ type });
  };
  const reply = (msg: { type: string } & Record<string, unknown>) => send(msg.type, JSON.stringify(msg));
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (fn: () => Promise<void> | void) => {
    chain = chain.then(fn).catch((err) => {
      if (err instanceof ApiError) reply({ type: 'error', code: err.code, message: err.message });
      else {
        req.log.warn({ err }, 'websocket handler failed');
        reply({ type: 'error', code: 'internal', message: 'internal error' });
      }
    });
  };

  // Synchronously, before anything async: the first message must not be lost.
  socket.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    enqueue(() => handleMessage(text, project, deps, reply));
  });
  deps.metrics.wsConnections.inc({ path });
  let unsubscribe = () => {};
  socket.on('close', () => {
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
  enqueue(async () => reply({ type: 'active_tasks', tasks: await deps.hub.activeTasks(project), timestamp: new Date().toISOString() }));
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
      throw new ApiError(400, 'invalid_request', 'task_id: expected a batch id (UUID)');
    }
    return m.task_id;
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
      if (!task) reply({ type: 'error', code: 'not_found', message: `task_id: no task ${id} in this project`, task_id: id });
      else reply({ type: 'task_status', task, timestamp: new Date().toISOString() });
      return;
    }
    case 'cancel_task': {
      const id = taskId();
      await cancelProjectBatch(deps, project, id);
      reply({ type: 'task_cancel_requested', task_id: id, timestamp: new Date().toISOString() });
      return;
    }
    default:
      reply({ type: 'error', code: 'invalid_message', message: `type: unknown message type "${m.type.slice(0, 64)}"` });
  }
}
