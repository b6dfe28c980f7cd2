/**
 * The Helm chart: `helm lint --strict`; `helm template` output accepted by a real
 * kube-apiserver (`kubectl apply --dry-run=server`); least-privilege RBAC (asserted on the
 * rendered rules and enforced for real with the operator ServiceAccount's token); hardened
 * securityContexts on every container; the CRD survives upgrades and uninstalls.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  startKube,
  installCrd,
  helm,
  renderChart,
  operatorServiceAccount,
  KUBE_VERSION,
  type KubeCluster,
} from '../support/kube.ts';
import { ROOT } from '../support/stack.ts';

let kube: KubeCluster;
const NS = 'phonebatch-system';
const BASE = [
  'postgres.url=postgres://phonebatch:secret@postgres.db:5432/phonebatch',
  'temporal.address=temporal-frontend.temporal:7233',
];

before(async () => {
  kube = await startKube();
  kube.kubectl(['create', 'namespace', NS]);
  kube.kubectl(['create', 'namespace', 'batches']);
  installCrd(kube); // so `kubectl auth can-i` can resolve phonebatches
});

after(async () => {
  await kube?.stop();
});

type Doc = {
  kind: string;
  apiVersion: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [k: string]: any;
};
const docs = (yaml: string): Doc[] =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS())
    .filter(Boolean);

test('helm lint --strict passes (defaults, and every optional feature on)', () => {
  const chart = join(ROOT, 'charts/phonebatch');
  helm(kube, ['lint', '--strict', chart, '--kube-version', KUBE_VERSION, ...BASE.flatMap((s) => ['--set', s])]);
  helm(kube, [
    'lint',
    '--strict',
    chart,
    '--kube-version',
    KUBE_VERSION,
    ...[
      ...BASE,
      'api.ingress.enabled=true',
      'api.ingress.tlsSecretName=tls',
      'operator.watchNamespace=batches',
    ].flatMap((s) => ['--set', s]),
  ]);
});

test('values.schema.json rejects bad values', () => {
  for (const bad of [
    'operator.replicas=-1',
    'logLevel=loud',
    'temporal.address=no-port',
    'image.pullPolicy=Sometimes',
    'unknownKey=1',
  ]) {
    assert.throws(() => renderChart(kube, NS, [...BASE, bad]), /values don't meet the specifications|schema/i, bad);
  }
});

test('helm template output is accepted by the real apiserver (kubectl apply --dry-run=server)', () => {
  for (const variant of [
    [],
    ['api.ingress.enabled=true', 'api.ingress.className=nginx', 'operator.watchNamespace=batches'],
  ]) {
    const yaml = renderChart(kube, NS, [...BASE, ...variant]);
    // Objects without a namespace land in the kubeconfig's (default); the rest name theirs.
    const r = kube.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: yaml, allowFail: true });
    assert.equal(r.status, 0, `variant ${variant.join(',')}: ${r.stderr}`);
    const kinds = docs(yaml)
      .map((d) => d.kind)
      .sort();
    for (const k of [
      'CustomResourceDefinition',
      'Deployment',
      'Service',
      'Secret',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'Job',
    ])
      assert.ok(kinds.includes(k), `${k} rendered`);
  }
});

test('one Deployment per component, from one image with different commands', () => {
  const deps = docs(renderChart(kube, NS, BASE)).filter((d) => d.kind === 'Deployment');
  const byName = Object.fromEntries(deps.map((d) => [d.metadata.name, d.spec.template.spec.containers[0]]));
  assert.deepEqual(Object.keys(byName).sort(), ['pb-phonebatch-api', 'pb-phonebatch-operator', 'pb-phonebatch-worker']);
  assert.equal(new Set(Object.values(byName).map((c: any) => c.image)).size, 1, 'one image');
  // The image runs the compiled build (Dockerfile, `npm run build`), and each entry point is in it.
  assert.deepEqual(byName['pb-phonebatch-api'].command, ['node', 'dist/api/main.js']);
  assert.deepEqual(byName['pb-phonebatch-worker'].command, ['node', 'dist/workflows/worker.js']);
  assert.deepEqual(byName['pb-phonebatch-operator'].command, ['node', 'dist/operator/main.js']);
  if (process.env.PHONEBATCH_COMPILED === '1') {
    for (const c of Object.values(byName) as any[])
      assert.ok(existsSync(join(ROOT, c.command[1])), `${c.command[1]} built`);
  }
  for (const c of Object.values(byName) as any[]) {
    assert.ok(c.resources?.requests && c.resources?.limits, `${c.name} has resources`);
    assert.ok(c.livenessProbe, `${c.name} has a liveness probe`);
    const db = c.env.find((e: any) => e.name === 'PHONEBATCH_DATABASE_URL');
    assert.ok(db.valueFrom.secretKeyRef, 'database URL comes from a Secret');
    assert.equal(c.env.find((e: any) => e.name === 'TEMPORAL_ADDRESS').value, 'temporal-frontend.temporal:7233');
  }
  for (const n of ['pb-phonebatch-api', 'pb-phonebatch-operator'])
    assert.ok(byName[n].readinessProbe, `${n} readiness`);
});

test('every pod runs non-root, read-only root filesystem, no capabilities, seccomp RuntimeDefault', () => {
  const pods = docs(renderChart(kube, NS, BASE))
    .filter((d) => d.kind === 'Deployment' || d.kind === 'Job')
    .map((d) => [d.metadata.name, d.spec.template.spec] as const);
  assert.equal(pods.length, 4);
  for (const [name, spec] of pods) {
    assert.equal(spec.securityContext.runAsNonRoot, true, name);
    assert.equal(spec.securityContext.seccompProfile.type, 'RuntimeDefault', name);
    for (const c of spec.containers) {
      const sc = c.securityContext;
      assert.equal(sc.runAsNonRoot, true, `${name}/${c.name}`);
      assert.equal(sc.readOnlyRootFilesystem, true, `${name}/${c.name}`);
      assert.equal(sc.allowPrivilegeEscalation, false, `${name}/${c.name}`);
      assert.deepEqual(sc.capabilities.drop, ['ALL'], `${name}/${c.name}`);
      assert.equal(sc.capabilities.add, undefined);
      assert.equal(sc.seccompProfile.type, 'RuntimeDefault');
      assert.ok(
        c.volumeMounts.some((m: any) => m.mountPath === '/tmp'),
        'writable /tmp',
      );
    }
    // Only the operator talks to the Kubernetes API.
    assert.equal(spec.automountServiceAccountToken ?? true, name.endsWith('-operator'), `${name} token mount`);
  }
});

test('operator RBAC is least privilege: PhoneBatches, their status and finalizers, Events, its Lease (and ConfigMap get)', () => {
  const all = docs(renderChart(kube, NS, BASE));
  const roles = all.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role');
  assert.deepEqual(roles.map((r) => `${r.kind}/${r.metadata.name}`).sort(), [
    'ClusterRole/pb-phonebatch-operator',
    'Role/pb-phonebatch-operator-lease',
  ]);
  const rules = (name: string) => roles.find((r) => r.metadata.name === name)!.rules.map((r: any) => ({ ...r }));
  assert.deepEqual(rules('pb-phonebatch-operator'), [
    { apiGroups: ['phonebatch.io'], resources: ['phonebatches'], verbs: ['get', 'list', 'watch', 'patch'] },
    { apiGroups: ['phonebatch.io'], resources: ['phonebatches/status'], verbs: ['patch'] },
    { apiGroups: ['phonebatch.io'], resources: ['phonebatches/finalizers'], verbs: ['update'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
  ]);
  assert.deepEqual(rules('pb-phonebatch-operator-lease'), [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      resourceNames: ['pb-phonebatch-operator'],
      verbs: ['get', 'update'],
    },
  ]);
  for (const r of roles)
    for (const rule of r.rules)
      for (const f of ['apiGroups', 'resources', 'verbs'])
        assert.ok(!rule[f].includes('*'), `no wildcard in ${r.metadata.name}`);
  const bindings = all.filter((d) => d.kind.endsWith('Binding'));
  for (const b of bindings)
    assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: 'pb-phonebatch-operator', namespace: NS }]);
  // ConfigMap reads can be switched off; watchNamespace turns the ClusterRole into a Role.
  const off = docs(
    renderChart(kube, NS, [...BASE, 'operator.configMapSources=false', 'operator.watchNamespace=batches']),
  );
  const scoped = off.find((d) => d.kind === 'Role' && d.metadata.name === 'pb-phonebatch-operator')!;
  assert.equal(scoped.metadata.namespace, 'batches');
  assert.ok(!scoped.rules.some((r: any) => r.resources.includes('configmaps')));
  assert.ok(!off.some((d) => d.kind === 'ClusterRole'));
});

test('the apiserver enforces that RBAC for the operator ServiceAccount', () => {
  const sa = operatorServiceAccount(kube, NS);
  const can = (args: string[]) =>
    kube.kubectl(['auth', 'can-i', ...args], { kubeconfig: sa.kubeconfig, allowFail: true }).stdout.trim();
  const allowed = [
    ['list', 'phonebatches.phonebatch.io', '-A'],
    ['watch', 'phonebatches.phonebatch.io', '-n', 'batches'],
    ['patch', 'phonebatches.phonebatch.io', '-n', 'batches'],
    ['patch', 'phonebatches.phonebatch.io', '--subresource=status', '-n', 'batches'],
    ['create', 'events', '-n', 'batches'],
    ['get', 'configmaps', '-n', 'batches'],
    ['get', 'leases.coordination.k8s.io/pb-phonebatch-operator', '-n', NS],
    ['update', 'leases.coordination.k8s.io/pb-phonebatch-operator', '-n', NS],
  ];
  const denied = [
    ['create', 'phonebatches.phonebatch.io', '-n', 'batches'],
    ['delete', 'phonebatches.phonebatch.io', '-n', 'batches'],
    ['update', 'phonebatches.phonebatch.io', '-n', 'batches'],
    ['list', 'configmaps', '-n', 'batches'],
    ['get', 'secrets', '-n', 'batches'],
    ['get', 'pods', '-n', 'batches'],
    ['update', 'leases.coordination.k8s.io/kube-scheduler', '-n', NS],
    ['get', 'leases.coordination.k8s.io', '-n', 'kube-system'],
    ['delete', 'events', '-n', 'batches'],
  ];
  for (const a of allowed) assert.equal(can(a), 'yes', `can ${a.join(' ')}`);
  for (const d of denied) assert.equal(can(d), 'no', `cannot ${d.join(' ')}`);
});

test('the CRD is a template kept on uninstall (resource-policy keep), identical to crds/', () => {
  const crd = docs(renderChart(kube, NS, BASE)).find((d) => d.kind === 'CustomResourceDefinition')!;
  assert.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
  const plain = docs(
    kube.kubectl(['create', '--dry-run=client', '-o', 'yaml', '-f', join(ROOT, 'crds/phonebatch.io_phonebatches.yaml')])
      .stdout,
  )[0]!;
  assert.deepEqual(crd.spec, plain.spec);
  assert.equal(renderChart(kube, NS, [...BASE, 'crd.install=false']).includes('kind: CustomResourceDefinition'), false);
});
