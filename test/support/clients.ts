/**
 * Client helpers for the API's tests and benchmarks: JSON over fetch, and WebSocket clients
 * (the `ws` package) that record every message from the moment the socket exists.
 */
import WebSocket from 'ws';
import { WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from '../../api/auth.ts';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function http(
  base: string,
  path: string,
  opts: {
    method?: string;
    token?: string;
    body?: unknown;
    raw?: BodyInit;
    contentType?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    headers['content-type'] = opts.contentType ?? 'text/csv';
  } else if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] = opts.contentType ?? 'application/json';
  }
  const res = await fetch(base + path, {
    method: opts.method ?? 'GET',
    headers,
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export interface WsClient {
  ws: WebSocket;
  messages: any[];
  /** Resolves with the first message (already received or future) matching `pred`. */
  next(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  send(msg: unknown): void;
  close(): Promise<void>;
}

/**
 * Opens a WebSocket. `auth`: 'header' sends Authorization; 'protocol' offers
 * `phonebatch.v1` + `phonebatch.token.<token>` (the browser form). Rejects with
 * `Error('HTTP <status>')` when the server refuses the upgrade.
 */
export function openWs(
  url: string,
  token: string | undefined,
  opts: { auth?: 'header' | 'protocol'; onOpen?: (ws: WebSocket) => void } = {},
): Promise<WsClient> {
  const auth = opts.auth ?? 'header';
  const protocols = auth === 'protocol' && token ? [WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX + token] : undefined;
  const ws = new WebSocket(
    url,
    protocols,
    auth === 'header' && token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  const messages: any[] = [];
  const waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void }> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    m.__receivedAt = performance.now();
    messages.push(m);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.pred(m)) {
        waiters[i]!.resolve(m);
        waiters.splice(i, 1);
      }
    }
  });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode }));
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
    ws.once('open', () => {
      opts.onOpen?.(ws);
      resolve({
        ws,
        messages,
        next(pred, timeoutMs = 30_000) {
          const hit = messages.find(pred);
          if (hit) return Promise.resolve(hit);
          return new Promise((res, rej) => {
            const t = setTimeout(
              () =>
                rej(
                  new Error(
                    `no matching WebSocket message within ${timeoutMs} ms; got types ${messages.map((x) => x.type).join(',')}`,
                  ),
                ),
              timeoutMs,
            );
            waiters.push({ pred, resolve: (m) => (clearTimeout(t), res(m)) });
          });
        },
        send(msg) {
          ws.send(JSON.stringify(msg));
        },
        close() {
          if (ws.readyState === ws.CLOSED) return Promise.resolve();
          return new Promise((r) => {
            ws.once('close', () => r());
            ws.close();
          });
        },
      });
    });
  });
}
