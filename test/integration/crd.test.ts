/**
 * The PhoneBatch CRD against a real kube-apiserver: the committed YAML is the generator's
 * output, good specs are accepted, and every bad spec is rejected at apply time with a
 * message that names the field (OpenAPI schema + CEL rules), including immutability.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { crdYaml, CRD_PATHS } from '../../operator/crd-gen.ts';
import { checkBatchSpec } from '../../batches/spec.ts';
import { toBatchSpec, type PhoneBatchSpec } from '../../operator/resource.ts';
import { startKube, apply, type KubeCluster } from '../support/kube.ts';
import { ROOT } from '../support/stack.ts';

let kube: KubeCluster;

before(async () => {
  kube = await startKube();
  kube.kubectl(['apply', '-f', join(ROOT, 'crds/phonebatch.io_phonebatches.yaml')]);
  kube.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/phonebatches.phonebatch.io']);
  kube.kubectl(['create', 'namespace', 'crd-test']);
});

after(async () => {
  await kube?.stop();
});

const pb = (name: string, spec: unknown) =>
  stringify({
    apiVersion: 'phonebatch.io/v1alpha1',
    kind: 'PhoneBatch',
    metadata: { name, namespace: 'crd-test' },
    spec,
  });

test('committed CRD YAML (crds/ and the chart copy) equals the generator output', () => {
  for (const p of CRD_PATHS)
    assert.equal(
      readFileSync(join(ROOT, p), 'utf8'),
      crdYaml(),
      `${p} is stale: run node --import tsx operator/crd-gen.ts --write`,
    );
});

test('good specs are accepted, and agree with checkBatchSpec', () => {
  const good: PhoneBatchSpec[] = [
    { generate: { region: 'GB', count: 10 } },
    {
      generate: { region: 'US', mode: 'range', prefix: '+1 212 555 1', count: 100, seed: 'x' },
      deletionPolicy: 'Delete',
    },
    {
      generate: {
        region: 'US',
        mode: 'random',
        count: 5,
        numberType: 'FIXED_LINE_OR_MOBILE',
        areaCodes: ['212', '646'],
      },
    },
    { validate: { defaultRegion: 'GB', source: { inline: ['+44 20 7946 0123', 'nope'] } } },
    {
      validate: {
        defaultRegion: 'DE',
        repairs: 'all',
        defaultAreaCode: '30',
        numericSource: true,
        source: { inline: ['123 4567'] },
      },
    },
    { validate: { repairs: 'none', source: { configMapKeyRef: { name: 'numbers', key: 'list.txt' } } } },
    { validate: { source: { batchRef: '3f1c1f5e-2f53-4b8e-9d5e-8b7a2c1d0e9f' } } },
    { validate: { source: { configMapKeyRef: { name: 'numbers', key: 'list.txt' } } } },
  ];
  good.forEach((spec, i) => {
    const r = kube.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: pb(`good-${i}`, spec), allowFail: true });
    assert.equal(r.status, 0, `good spec ${i} rejected: ${r.stderr}`);
    const uploaded = Boolean(spec.validate?.source.configMapKeyRef); // its lines become uploaded rows
    assert.deepEqual(checkBatchSpec(toBatchSpec(spec), { uploaded }), [], `spec ${i}`);
  });
  // The validator options reach the batch spec, whatever the source.
  assert.deepEqual(toBatchSpec(good[4]!), { validate: good[4]!.validate });
  assert.deepEqual(toBatchSpec(good[5]!), { validate: { repairs: 'none' } });
});

/** [description, spec, substrings the error must contain (the field, and why)] */
const BAD: Array<[string, unknown, string[]]> = [
  ['unknown region', { generate: { region: 'XX', count: 10 } }, ['spec.generate.region', 'Unsupported value']],
  ['lower-case region', { generate: { region: 'gb', count: 10 } }, ['spec.generate.region']],
  ['count 0', { generate: { region: 'GB', count: 0 } }, ['spec.generate.count', 'greater than or equal to 1']],
  ['negative count', { generate: { region: 'GB', count: -5 } }, ['spec.generate.count']],
  [
    'count above the maximum',
    { generate: { region: 'GB', count: 100_000_001 } },
    ['spec.generate.count', 'less than or equal to 100000000'],
  ],
  ['neither generate nor validate', { deletionPolicy: 'Keep' }, ['spec', 'spec.generate or spec.validate is required']],
  [
    'both generate and validate',
    { generate: { region: 'GB', count: 1 }, validate: { source: { inline: ['1'] } } },
    ['spec.generate and spec.validate are mutually exclusive'],
  ],
  [
    'range mode without prefix',
    { generate: { region: 'US', mode: 'range', count: 10 } },
    ['spec.generate.prefix', 'required when spec.generate.mode is range'],
  ],
  [
    'prefix outside range mode',
    { generate: { region: 'US', count: 10, prefix: '+1 212' } },
    ['spec.generate.prefix', 'only allowed'],
  ],
  [
    'unknown mode',
    { generate: { region: 'US', mode: 'sequential', count: 10 } },
    ['spec.generate.mode', 'Unsupported value'],
  ],
  [
    'unknown numberType',
    { generate: { region: 'US', count: 10, numberType: 'LANDLINE' } },
    ['spec.generate.numberType'],
  ],
  ['missing count', { generate: { region: 'US' } }, ['spec.generate.count', 'Required']],
  ['unknown field', { generate: { region: 'US', count: 1, colour: 'red' } }, ['spec.generate.colour', 'unknown field']],
  ['validate without source', { validate: { defaultRegion: 'GB' } }, ['spec.validate.source', 'Required']],
  [
    'two validate sources',
    { validate: { source: { inline: ['1'], batchRef: '3f1c1f5e-2f53-4b8e-9d5e-8b7a2c1d0e9f' } } },
    ['spec.validate.source', 'exactly one of inline, configMapKeyRef or batchRef'],
  ],
  ['empty source', { validate: { source: {} } }, ['spec.validate.source', 'exactly one']],
  ['empty inline list', { validate: { source: { inline: [] } } }, ['spec.validate.source.inline']],
  [
    'inline list too long',
    { validate: { source: { inline: Array.from({ length: 1001 }, (_, i) => String(i)) } } },
    ['spec.validate.source.inline', 'must have at most 1000 items'],
  ],
  ['batchRef not a UUID', { validate: { source: { batchRef: 'batch-7' } } }, ['spec.validate.source.batchRef', 'uuid']],
  [
    'configMapKeyRef without key',
    { validate: { source: { configMapKeyRef: { name: 'x' } } } },
    ['spec.validate.source.configMapKeyRef.key', 'Required'],
  ],
  [
    'unknown defaultRegion',
    { validate: { defaultRegion: 'ZZ', source: { inline: ['1'] } } },
    ['spec.validate.defaultRegion', 'Unsupported value'],
  ],
  [
    'unknown repairs mode',
    { validate: { repairs: 'aggressive', source: { inline: ['1'] } } },
    ['spec.validate.repairs', 'Unsupported value'],
  ],
  [
    'defaultAreaCode not digits',
    { validate: { defaultAreaCode: '030x', source: { inline: ['1'] } } },
    ['spec.validate.defaultAreaCode', '^[0-9]{1,6}$'],
  ],
  [
    'numericSource not a boolean',
    { validate: { numericSource: 'maybe', source: { inline: ['1'] } } },
    ['spec.validate.numericSource'],
  ],
  [
    'bad deletionPolicy',
    { generate: { region: 'GB', count: 1 }, deletionPolicy: 'Purge' },
    ['spec.deletionPolicy', 'Unsupported value'],
  ],
  [
    'MOBILE in a NANP region',
    { generate: { region: 'US', mode: 'random', count: 5, numberType: 'MOBILE' } },
    ['spec.generate.numberType', 'FIXED_LINE_OR_MOBILE'],
  ],
  [
    'FIXED_LINE in CA',
    { generate: { region: 'CA', mode: 'random', count: 5, numberType: 'FIXED_LINE' } },
    ['spec.generate.numberType', 'NANP'],
  ],
];

test(`${BAD.length} bad specs are rejected at apply, naming the field`, () => {
  assert.ok(BAD.length >= 10);
  const failures: string[] = [];
  BAD.forEach(([what, spec, needles], i) => {
    const r = apply(kube, pb(`bad-${i}`, spec));
    if (r.status === 0) failures.push(`${what}: accepted`);
    else
      for (const n of needles) if (!r.stderr.includes(n)) failures.push(`${what}: "${n}" not in: ${r.stderr.trim()}`);
  });
  assert.deepEqual(failures, []);
  const left = kube.kubectl(['get', 'pb', '-n', 'crd-test', '-o', 'name']).stdout.trim();
  assert.equal(left, '', 'no bad spec was stored');
});

test('spec is immutable after creation, except deletionPolicy and cancel (which cannot be unset)', () => {
  const spec = { generate: { region: 'GB', count: 10 } };
  assert.equal(apply(kube, pb('immutable', spec)).status, 0);
  const changes: Array<[string, unknown, string]> = [
    ['count', { generate: { region: 'GB', count: 11 } }, 'spec.generate is immutable after creation'],
    ['switch to validate', { validate: { source: { inline: ['1'] } } }, 'cannot be added or removed after creation'],
  ];
  for (const [what, next, needle] of changes) {
    const r = apply(kube, pb('immutable', next));
    assert.notEqual(r.status, 0, `${what} change accepted`);
    assert.ok(r.stderr.includes(needle), `${what}: ${r.stderr}`);
  }
  // Deliberately mutable: deletionPolicy, and cancel (false → true).
  const ok = apply(kube, pb('immutable', { ...spec, deletionPolicy: 'Delete', cancel: true }));
  assert.equal(ok.status, 0, ok.stderr);
  const undo = apply(kube, pb('immutable', { ...spec, deletionPolicy: 'Delete', cancel: false }));
  assert.notEqual(undo.status, 0);
  assert.ok(undo.stderr.includes('spec.cancel cannot be set back to false'), undo.stderr);
  const got = JSON.parse(kube.kubectl(['get', 'pb', 'immutable', '-n', 'crd-test', '-o', 'json']).stdout);
  assert.deepEqual(got.spec, { ...spec, deletionPolicy: 'Delete', cancel: true });
  // The default is applied by the apiserver (structural-schema defaulting).
  assert.equal(apply(kube, pb('defaulted', spec)).status, 0);
  const d = JSON.parse(kube.kubectl(['get', 'pb', 'defaulted', '-n', 'crd-test', '-o', 'json']).stdout);
  assert.equal(d.spec.deletionPolicy, 'Keep');
});

test('status is a subresource: a spec update cannot write status', () => {
  const o = JSON.parse(kube.kubectl(['get', 'pb', 'defaulted', '-n', 'crd-test', '-o', 'json']).stdout);
  o.status = { progress: '1/2' };
  kube.kubectl(['replace', '-f', '-'], { input: JSON.stringify(o) });
  const after = JSON.parse(kube.kubectl(['get', 'pb', 'defaulted', '-n', 'crd-test', '-o', 'json']).stdout);
  assert.equal(after.status, undefined);
});
