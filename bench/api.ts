/**
 * REST/WebSocket figures (loopback only; prints, asserts nothing):
 *  - WebSocket progress latency p50/p99 with 1,000 clients on /ws/tasks/ while a real batch
 *    runs: from the moment the hub has a new value (the message's `timestamp`) to receipt.
 *    The hub queries the workflow at 4 Hz, so staleness adds at most ~250 ms on top.
 *  - Export rows/s through GET /export (CSV) against raw `COPY … TO STDOUT` of the same SELECT.
 *
 *   BENCH_API_CLIENTS  WebSocket clients (default 1000)
 *   BENCH_API_COUNT    numbers in the generate batch (default 2,000,000)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import { startStack, ROOT } from '../test/support/stack.ts';
import { createToken } from '../db/tokens.ts';
import { exportSelectList } from '../db/numbers.ts';
import { http, openWs, type WsClient } from '../test/support/clients.ts';

const CLIENTS = Number(process.env.BENCH_API_CLIENTS ?? 1000);
const COUNT = Number(process.env.BENCH_API_COUNT ?? 2_000_000);
const out = (s = '') => process.stdout.write(s + '\n');
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

async function main(): Promise<void> {
  out('API bench (loopback; API in its own process)');
  const stack = await startStack();
  let api: ChildProcess | undefined;
  const clients: WsClient[] = [];
  try {
    await stack.startWorker();
    const token = (await createToken(stack.pool, 'bench')).token;
    api = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'api/main.ts')], {
      env: {
        ...process.env,
        PHONEBATCH_DATABASE_URL: stack.config.databaseUrl,
        TEMPORAL_ADDRESS: stack.config.temporalAddress,
        PHONEBATCH_TASK_QUEUE: stack.config.taskQueue,
        PHONEBATCH_API_HOST: '127.0.0.1',
        PHONEBATCH_API_PORT: '0',
        PHONEBATCH_API_PRINT_PORT: '1',
        PHONEBATCH_API_RATE_LIMIT: '1000000',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let s = '';
      api!.stdout!.on('data', (d) => {
        s += d;
        const m = /PHONEBATCH_API_PORT=(\d+)/.exec(s);
        if (m) resolve(Number(m[1]));
      });
      api!.once('exit', (c) => reject(new Error(`api exited ${c}`)));
    });
    const base = `http://127.0.0.1:${port}`;

    // 1,000 clients, connected in waves of 100.
    const t0 = performance.now();
    for (let i = 0; i < CLIENTS; i += 100) {
      clients.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(100, CLIENTS - i) }, () => openWs(`ws://127.0.0.1:${port}/ws/tasks/`, token)),
        )),
      );
    }
    await Promise.all(clients.map((c) => c.next((m) => m.type === 'active_tasks', 60_000)));
    out(`  ${CLIENTS} WebSocket clients connected and greeted in ${fmt(performance.now() - t0)} ms`);

    const started = await http(base, '/api/v1/batches', {
      method: 'POST',
      token,
      body: { generate: { region: 'US', mode: 'random', count: COUNT, seed: 'bench-api' } },
    });
    if (started.status !== 202) throw new Error(`start failed: ${started.text}`);
    const id = started.json.id as string;
    const tb = performance.now();
    await Promise.all(clients.map((c) => c.next((m) => m.type === 'task_completed' && m.task_id === id, 600_000)));
    const batchMs = performance.now() - tb;
    const lat: number[] = [];
    let pushes = 0;
    for (const c of clients) {
      for (const m of c.messages) {
        if (m.task_id !== id || (m.type !== 'task_progress' && m.type !== 'task_completed')) continue;
        pushes++;
        // performance.timeOrigin + __receivedAt is the receive time on the same wall clock as `timestamp`.
        lat.push(performance.timeOrigin + m.__receivedAt - Date.parse(m.timestamp));
      }
    }
    const perClient = pushes / CLIENTS;
    out(
      `  batch of ${fmt(COUNT)} numbers ran ${fmt(batchMs)} ms; ${fmt(pushes)} pushes delivered (${perClient.toFixed(1)} per client, all ${CLIENTS} got task_completed)`,
    );
    out(
      `  WebSocket progress latency, hub → client, ${CLIENTS} clients: p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms`,
    );
    out('  (workflow → hub staleness: at most one query interval, 250 ms at the default 4 Hz)');
    await Promise.all(clients.map((c) => c.close()));
    clients.length = 0;

    // Export: GET /export through the API vs raw COPY TO of the same SELECT, same rows.
    const rows = Number(
      (await stack.pool.query('SELECT count(*) AS n FROM numbers WHERE batch_id = $1', [id])).rows[0].n,
    );
    const viaApi: number[] = [];
    const raw: number[] = [];
    for (let round = 0; round < 3; round++) {
      let t = performance.now();
      const res = await fetch(`${base}/api/v1/batches/${id}/export?format=csv`, {
        headers: { authorization: `Bearer ${token}` },
      });
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
      viaApi.push(rows / ((performance.now() - t) / 1000));
      t = performance.now();
      const client = await stack.pool.connect();
      try {
        const sql = `COPY (SELECT ${exportSelectList('csv')} FROM numbers WHERE batch_id = '${id}' ORDER BY seq, part) TO STDOUT WITH (FORMAT csv, HEADER true)`;
        await pipeline(client.query(copyTo(sql)), new Writable({ write: (_c, _e, cb) => cb() }));
      } finally {
        client.release();
      }
      raw.push(rows / ((performance.now() - t) / 1000));
      if (round === 0) out(`  export: ${fmt(rows)} rows, ${(bytes / 1e6).toFixed(1)} MB CSV`);
    }
    const med = (xs: number[]) => pct(xs, 50);
    out(
      `  export rows/s (median of 3): GET /export ${fmt(med(viaApi))}  vs  raw COPY TO ${fmt(med(raw))}  (${((med(viaApi) / med(raw)) * 100).toFixed(0)} %)`,
    );
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    if (api && api.exitCode === null) {
      const exited = new Promise((r) => api!.once('exit', r));
      api.kill('SIGTERM');
      await exited;
    }
    await stack.stop();
  }
}

await main();
