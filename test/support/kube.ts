/**
 * A real Kubernetes control plane for integration tests: etcd and kube-apiserver, from the
 * binaries scripts/tools.sh builds into the tool cache, on free loopback ports. No kubelet,
 * no controller-manager: enough for CRDs, RBAC, admission (CEL), watches and dry-runs.
 *
 * Authentication: a static token file with an admin user in `system:masters`, plus
 * ServiceAccount tokens (TokenRequest; the signing key is generated with node:crypto), so a
 * test can run a process under a chart's least-privilege RBAC. Authorization: RBAC.
 * Serving certificates: self-signed by the apiserver itself (`--cert-dir`).
 */
import { entryArgs } from '../../devstack/entry.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { freePort, waitFor } from '../../devstack/ports.ts';
import { ROOT } from './stack.ts';

export interface KubeCluster {
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin kubeconfig (user in system:masters). */
  kubeconfig: string;
  dir: string;
  /** The tool bin directories (kubectl, helm, ...), ':'-joined, for PATH. */
  toolPath: string;
  /** Runs kubectl with the admin kubeconfig; throws with stderr on a non-zero exit unless `allowFail`. */
  kubectl(
    args: string[],
    opts?: { input?: string; allowFail?: boolean; kubeconfig?: string; timeoutMs?: number },
  ): KubectlResult;
  /** Async kubectl (for long waits that must not block the event loop). */
  kubectlAsync(args: string[], opts?: { input?: string; kubeconfig?: string }): Promise<KubectlResult>;
  /** Writes a kubeconfig that authenticates with `token`; returns its path. */
  kubeconfigFor(token: string, name: string): string;
  /** Restarts kube-apiserver on the same port and etcd (watch caches start empty: old resourceVersions expire). */
  restartApiserver(): Promise<void>;
  stop(): Promise<void>;
}

export interface KubectlResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Bin directories of the cached tools (builds them if missing; see scripts/tools.sh). */
export function toolPath(): string {
  const b = spawnSync('bash', [join(ROOT, 'scripts/tools.sh'), 'etcd', 'kube', 'helm'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (b.status !== 0) throw new Error('scripts/tools.sh could not build etcd/kube/helm');
  return spawnSync('bash', [join(ROOT, 'scripts/tools.sh'), 'path'], { encoding: 'utf8' }).stdout.trim();
}

function findBin(path: string, name: string): string {
  for (const d of path.split(':')) if (existsSync(join(d, name))) return join(d, name);
  throw new Error(`${name} not found in ${path}`);
}

/** Starts etcd and kube-apiserver; resolves once /readyz is ok (RBAC bootstrap done). */
export async function startKube(): Promise<KubeCluster> {
  const path = toolPath();
  const dir = mkdtempSync(join(tmpdir(), 'phonebatch-kube-'));
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcd = spawnLogged(findBin(path, 'etcd'), [
    '--name',
    'default',
    '--data-dir',
    join(dir, 'etcd'),
    '--listen-client-urls',
    etcdUrl,
    '--advertise-client-urls',
    etcdUrl,
    '--listen-peer-urls',
    `http://127.0.0.1:${peerPort}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${peerPort}`,
    '--initial-cluster',
    `default=http://127.0.0.1:${peerPort}`,
    '--unsafe-no-fsync',
    '--log-level',
    'error',
  ]);
  await waitFor('etcd', async () => {
    if (etcd.exited()) throw new Error(`etcd exited: ${etcd.log()}`);
    const r = await fetch(`${etcdUrl}/health`).catch(() => null);
    return r?.ok ?? false;
  });

  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const adminToken = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n`);
  mkdirSync(join(dir, 'certs'));

  const apiArgs = [
    '--etcd-servers',
    etcdUrl,
    '--bind-address',
    '127.0.0.1',
    '--advertise-address',
    '127.0.0.1',
    '--secure-port',
    String(apiPort),
    '--cert-dir',
    join(dir, 'certs'),
    '--token-auth-file',
    join(dir, 'tokens.csv'),
    '--authorization-mode',
    'RBAC',
    '--service-account-issuer',
    'https://kubernetes.default.svc.cluster.local',
    '--service-account-key-file',
    join(dir, 'sa.pub'),
    '--service-account-signing-key-file',
    join(dir, 'sa.key'),
    '--service-cluster-ip-range',
    '10.96.0.0/16',
    '--endpoint-reconciler-type',
    'none',
    '--profiling=false',
    '--v',
    '0',
  ];
  const server = `https://127.0.0.1:${apiPort}`;
  let api = spawnLogged(findBin(path, 'kube-apiserver'), apiArgs);
  const ready = () =>
    waitFor(
      'kube-apiserver /readyz',
      async () => {
        if (api.exited()) throw new Error(`kube-apiserver exited: ${api.log()}`);
        return (await httpsGet(`${server}/readyz`, adminToken)) === 200;
      },
      120_000,
    );
  await ready();

  // The self-signed serving certificate (and its CA) written by --cert-dir.
  const ca = readFileSync(join(dir, 'certs', 'apiserver.crt'));
  const kubeconfigFor = (token: string, name: string): string => {
    const file = join(dir, `kubeconfig-${name}`);
    writeFileSync(file, kubeconfigYaml(server, ca, token, name));
    return file;
  };
  const kubeconfig = kubeconfigFor(adminToken, 'admin');
  const env = { ...process.env, PATH: `${path}:${process.env.PATH}` };
  const kubectlBin = findBin(path, 'kubectl');

  return {
    server,
    kubeconfig,
    dir,
    toolPath: path,
    kubectl(args, opts = {}) {
      const r = spawnSync(kubectlBin, ['--kubeconfig', opts.kubeconfig ?? kubeconfig, ...args], {
        input: opts.input,
        encoding: 'utf8',
        env,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 64 << 20,
      });
      const res = { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
      if (res.status !== 0 && !opts.allowFail)
        throw new Error(`kubectl ${args.join(' ')} failed (${res.status}): ${res.stderr}`);
      return res;
    },
    kubectlAsync(args, opts = {}) {
      return new Promise((resolve) => {
        const child = spawn(kubectlBin, ['--kubeconfig', opts.kubeconfig ?? kubeconfig, ...args], { env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        if (opts.input) child.stdin.end(opts.input);
        else child.stdin.end();
        child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
      });
    },
    kubeconfigFor,
    async restartApiserver() {
      await api.stop();
      api = spawnLogged(findBin(path, 'kube-apiserver'), apiArgs);
      await ready();
    },
    async stop() {
      await api.stop();
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function kubeconfigYaml(server: string, ca: Buffer, token: string, name: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ${server}
    certificate-authority-data: ${ca.toString('base64')}
users:
- name: ${name}
  user:
    token: ${token}
contexts:
- name: ${name}
  context:
    cluster: test
    user: ${name}
current-context: ${name}
`;
}

function httpsGet(url: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` }, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

interface Logged {
  child: ChildProcess;
  exited(): boolean;
  log(): string;
  stop(): Promise<void>;
}

/** Spawns a server process, keeping the tail of its stderr for error messages. */
function spawnLogged(bin: string, args: string[]): Logged {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  let exited = false;
  child.stderr!.on('data', (d) => (tail = (tail + d).slice(-6000)));
  const done = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  return {
    child,
    exited: () => exited,
    log: () => tail,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(t);
    },
  };
}

/** Applies `yaml` with the admin kubeconfig (server-side field validation: strict). */
export function apply(kube: KubeCluster, yaml: string, extra: string[] = []): KubectlResult {
  return kube.kubectl(['apply', '-f', '-', ...extra], { input: yaml, allowFail: true });
}

export interface OperatorProcess {
  child: ChildProcess;
  identity: string;
  httpPort: number;
  /** GET /metrics, parsed to name{labels} → value; null while the process cannot answer. */
  metrics(): Promise<Record<string, number> | null>;
  /** Lines the process wrote (pino JSON), for failure messages. */
  output(): string;
  kill9(): Promise<void>;
  /** SIGSTOP / SIGCONT: freezes the process (its sockets stay open). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export interface OperatorEnv {
  kubeconfig: string;
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  temporalUiUrl: string;
  identity: string;
  extra?: Record<string, string>;
}

/** Starts the operator (operator/main.ts, or its build: devstack/entry.ts) as a child process; resolves once /healthz answers. */
export async function startOperator(o: OperatorEnv): Promise<OperatorProcess> {
  const httpPort = await freePort();
  const child = spawn(process.execPath, entryArgs('operator/main'), {
    env: {
      ...process.env,
      KUBECONFIG: o.kubeconfig,
      PHONEBATCH_DATABASE_URL: o.databaseUrl,
      TEMPORAL_ADDRESS: o.temporalAddress,
      PHONEBATCH_TASK_QUEUE: o.taskQueue,
      TEMPORAL_UI_URL: o.temporalUiUrl,
      OPERATOR_IDENTITY: o.identity,
      OPERATOR_HTTP_HOST: '127.0.0.1',
      OPERATOR_HTTP_PORT: String(httpPort),
      LOG_LEVEL: 'info',
      ...o.extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d).slice(-20000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const get = (path: string) =>
    fetch(`http://127.0.0.1:${httpPort}${path}`, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.text())
      .catch(() => null);
  await waitFor(`operator ${o.identity} /healthz`, async () => {
    if (!alive()) throw new Error(`operator exited: ${out}`);
    return (await get('/healthz')) !== null;
  });
  return {
    child,
    identity: o.identity,
    httpPort,
    async metrics() {
      const text = await get('/metrics');
      if (text === null) return null;
      const m: Record<string, number> = {};
      for (const line of text.split('\n')) {
        if (!line || line.startsWith('#')) continue;
        const i = line.lastIndexOf(' ');
        m[line.slice(0, i)] = Number(line.slice(i + 1));
      }
      return m;
    },
    output: () => out,
    async kill9() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async stop() {
      if (!alive()) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The CRD shipped in crds/, applied and Established. */
export function installCrd(kube: KubeCluster): void {
  kube.kubectl(['apply', '-f', join(ROOT, 'crds/phonebatch.io_phonebatches.yaml')]);
  kube.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/phonebatches.phonebatch.io']);
}

/** `kubectl get <what> -o json`, parsed. */
export function getJson<T = any>(kube: KubeCluster, args: string[]): T {
  return JSON.parse(kube.kubectl(['get', ...args, '-o', 'json']).stdout) as T;
}

/**
 * Kubernetes version to render for: a `go install`-built helm has no version ldflags and
 * assumes v1.20, below the chart's kubeVersion; the harness runs kube-apiserver v1.34.
 */
export const KUBE_VERSION = 'v1.34.4';

/** `helm <args>` with the cached helm binary; throws with stderr on failure. */
export function helm(kube: Pick<KubeCluster, 'toolPath'>, args: string[]): string {
  const r = spawnSync(findBin(kube.toolPath, 'helm'), args, {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: {
      ...process.env,
      HELM_CACHE_HOME: join(tmpdir(), 'phonebatch-helm-cache'),
      HELM_CONFIG_HOME: join(tmpdir(), 'phonebatch-helm-config'),
    },
  });
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Renders the chart (release `pb`, namespace `ns`) with `--set` values. */
export function renderChart(
  kube: Pick<KubeCluster, 'toolPath'>,
  ns: string,
  set: string[],
  extra: string[] = [],
): string {
  return helm(kube, [
    'template',
    'pb',
    join(ROOT, 'charts/phonebatch'),
    '-n',
    ns,
    '--kube-version',
    KUBE_VERSION,
    ...set.flatMap((s) => ['--set', s]),
    ...extra,
  ]);
}

/**
 * Installs the chart's operator ServiceAccount and RBAC (release `pb` in `ns`) for real and
 * returns a kubeconfig holding a TokenRequest token of that ServiceAccount: a process using
 * it has exactly the chart's permissions.
 */
export function operatorServiceAccount(
  kube: KubeCluster,
  ns: string,
): { kubeconfig: string; leaseName: string; serviceAccount: string } {
  kube.kubectl(['create', 'namespace', ns], { allowFail: true });
  const yaml = renderChart(
    kube,
    ns,
    ['postgres.url=postgres://unused'],
    ['--show-only', 'templates/serviceaccounts.yaml', '--show-only', 'templates/operator-rbac.yaml'],
  );
  kube.kubectl(['apply', '-n', ns, '-f', '-'], { input: yaml });
  const sa = 'pb-phonebatch-operator';
  const token = kube.kubectl(['create', 'token', sa, '-n', ns, '--duration=2h']).stdout.trim();
  return { kubeconfig: kube.kubeconfigFor(token, `sa-${ns}`), leaseName: sa, serviceAccount: sa };
}
