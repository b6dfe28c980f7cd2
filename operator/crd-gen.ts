/**
 * Generates the PhoneBatch CustomResourceDefinition from the TypeBox batch-spec schemas, so the
 * CRD, the CLI and the REST API accept the same specs. `crds/phonebatch.io_phonebatches.yaml`
 * is this module's output, committed; crd.test.ts checks that it is current.
 *
 *   node --import tsx operator/crd-gen.ts           # print the YAML
 *   node --import tsx operator/crd-gen.ts --write   # rewrite crds/ and the chart's copy
 *
 * Structural-schema rules (apiextensions.k8s.io/v1) shape the conversion: every node has a
 * `type`; unions of literals become `enum`; `additionalProperties: false` is dropped (the
 * apiserver prunes unknown fields and `kubectl apply` rejects them with strict field
 * validation). Cross-field rules are CEL `x-kubernetes-validations` whose messages name the
 * field, and `fieldPath` points at it.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { GenerateSpecSchema, ValidateSourceSchema, ValidateSpecSchema } from '../batches/spec.ts';
import { GROUP, KIND, MAX_CR_INLINE_LENGTH, MAX_CR_INLINE_NUMBERS, PLURAL, VERSION } from './resource.ts';
import { regionsForCallingCode } from '../core/metadata.ts';

type Json = Record<string, unknown>;

/** Paths of the generated files, relative to the repository root. */
export const CRD_PATHS = ['crds/phonebatch.io_phonebatches.yaml', 'charts/phonebatch/files/crd.yaml'];

/**
 * Converts one TypeBox (JSON Schema) node to an OpenAPI v3 structural-schema node.
 * Throws on a construct the CRD cannot express (e.g. a union of objects), so a spec change
 * that needs a hand-written rule fails loudly here.
 */
export function toStructural(s: Json): Json {
  const out: Json = {};
  if (typeof s.description === 'string') out.description = s.description;
  if (Array.isArray(s.anyOf)) {
    const consts = (s.anyOf as Json[]).map((x) => x.const);
    if (consts.some((c) => typeof c !== 'string'))
      throw new Error('only unions of string literals convert to a CRD enum');
    return { ...out, type: 'string', enum: consts };
  }
  switch (s.type) {
    case 'object': {
      const props = s.properties as Record<string, Json>;
      out.type = 'object';
      out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, toStructural(v)]));
      if (Array.isArray(s.required) && s.required.length) out.required = [...(s.required as string[])];
      return out;
    }
    case 'array':
      return { ...out, type: 'array', items: toStructural(s.items as Json), ...pick(s, ['minItems', 'maxItems']) };
    case 'string':
      return { ...out, type: 'string', ...pick(s, ['enum', 'pattern', 'minLength', 'maxLength', 'format']) };
    case 'integer':
      return { ...out, type: 'integer', format: 'int64', ...pick(s, ['minimum', 'maximum']) };
    case 'boolean':
      return { ...out, type: 'boolean' };
    default:
      throw new Error(`cannot convert schema type ${String(s.type)}`);
  }
}

function pick(s: Json, keys: string[]): Json {
  // Arrays are copied: a shared one (the region enum) would print as a YAML anchor and alias.
  return Object.fromEntries(
    keys.filter((k) => s[k] !== undefined).map((k) => [k, Array.isArray(s[k]) ? [...(s[k] as unknown[])] : s[k]]),
  );
}

/** Regions of country calling code 1 (the North American Numbering Plan). */
const NANP_REGIONS = [...(regionsForCallingCode('1') ?? [])].sort();

/** The spec schema: the batch spec plus the resource-only fields and the CEL rules. */
export function specSchema(): Json {
  const generate = toStructural(GenerateSpecSchema as unknown as Json) as Json & { properties: Record<string, Json> };
  generate['x-kubernetes-validations'] = [
    {
      rule: "!has(self.mode) || self.mode != 'range' || has(self.prefix)",
      message: 'spec.generate.prefix is required when spec.generate.mode is range',
      fieldPath: '.prefix',
      reason: 'FieldValueRequired',
    },
    {
      rule: "!has(self.prefix) || (has(self.mode) && self.mode == 'range')",
      message: 'spec.generate.prefix is only allowed when spec.generate.mode is range',
      fieldPath: '.prefix',
      reason: 'FieldValueForbidden',
    },
    {
      // NANP metadata types every number FIXED_LINE_OR_MOBILE: MOBILE/FIXED_LINE cannot be honoured.
      rule: `!has(self.numberType) || !(self.numberType in ['MOBILE', 'FIXED_LINE']) || !(self.region in [${NANP_REGIONS.map((r) => `'${r}'`).join(', ')}])`,
      message:
        'spec.generate.numberType: libphonenumber cannot tell mobile from fixed-line numbers in NANP regions (US, CA, …); use FIXED_LINE_OR_MOBILE',
      fieldPath: '.numberType',
      reason: 'FieldValueInvalid',
    },
    { rule: 'self == oldSelf', message: 'spec.generate is immutable after creation' },
  ];

  const sources = (ValidateSourceSchema as unknown as { anyOf: Json[] }).anyOf;
  const inlineTb = (sources[0]!.properties as Record<string, Json>).inline!;
  const batchRefTb = (sources[1]!.properties as Record<string, Json>).batchRef!;
  const inline = toStructural(inlineTb) as Json & { items: Json };
  // Tighter than the REST limit: the whole object is stored in etcd (1.5 MiB per object).
  inline.maxItems = MAX_CR_INLINE_NUMBERS;
  inline.items = { ...inline.items, maxLength: MAX_CR_INLINE_LENGTH };
  inline.description = `Numbers to validate, one raw field each (at most ${MAX_CR_INLINE_NUMBERS}; larger inputs: configMapKeyRef or the REST upload).`;
  const source: Json = {
    type: 'object',
    description: 'Where the input numbers come from: exactly one of inline, configMapKeyRef, batchRef.',
    properties: {
      inline,
      configMapKeyRef: {
        type: 'object',
        description:
          'A key of a ConfigMap in the same namespace; one number per line. Read once, when the batch starts.',
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' },
          key: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' },
        },
        required: ['name', 'key'],
      },
      batchRef: {
        ...toStructural(batchRefTb),
        description: 'UUID of an earlier batch whose numbers are validated (a PhoneBatch uid works).',
      },
    },
    'x-kubernetes-validations': [
      {
        rule: '[has(self.inline), has(self.configMapKeyRef), has(self.batchRef)].filter(x, x).size() == 1',
        message: 'spec.validate.source must set exactly one of inline, configMapKeyRef or batchRef',
      },
    ],
  };
  const validateTb = toStructural({
    ...(ValidateSpecSchema as unknown as Json),
    properties: { ...(ValidateSpecSchema.properties as unknown as Json), source: { type: 'boolean' } },
  }) as Json & { properties: Record<string, Json> };
  validateTb.properties.source = source;
  // In the batch spec a source is optional (an upload passes rows instead); a resource's
  // numbers always come from its source.
  (validateTb as Json & { required?: string[] }).required = ['source'];
  validateTb['x-kubernetes-validations'] = [
    { rule: 'self == oldSelf', message: 'spec.validate is immutable after creation' },
  ];

  return {
    type: 'object',
    description: 'The batch: exactly one of generate or validate (the same spec as the CLI and REST API).',
    properties: {
      generate: generate,
      validate: validateTb,
      deletionPolicy: {
        type: 'string',
        enum: ['Keep', 'Delete'],
        default: 'Keep',
        description:
          'What happens to the stored rows when this resource is deleted: Keep (default) or Delete. Mutable.',
      },
      cancel: {
        type: 'boolean',
        description: 'Set to true to cancel the batch. Mutable, but cannot be set back to false.',
      },
    },
    'x-kubernetes-validations': [
      {
        rule: 'has(self.generate) || has(self.validate)',
        message: 'spec.generate or spec.validate is required',
        reason: 'FieldValueRequired',
      },
      {
        rule: '!(has(self.generate) && has(self.validate))',
        message: 'spec.generate and spec.validate are mutually exclusive',
        reason: 'FieldValueForbidden',
      },
      {
        rule: 'has(self.generate) == has(oldSelf.generate) && has(self.validate) == has(oldSelf.validate)',
        message: 'spec.generate and spec.validate cannot be added or removed after creation',
      },
      {
        rule: '!has(oldSelf.cancel) || !oldSelf.cancel || (has(self.cancel) && self.cancel)',
        message: 'spec.cancel cannot be set back to false once true',
        fieldPath: '.cancel',
      },
    ],
  };
}

const timeField = { type: 'string', format: 'date-time' };
const count = (description: string): Json => ({ type: 'integer', format: 'int64', minimum: 0, description });

/** The status schema: API-conventions conditions plus the mirrored workflow state. */
export function statusSchema(): Json {
  return {
    type: 'object',
    description:
      "Observed state, rebuilt from the batch's workflow on every reconcile. Written only by the operator, through /status.",
    properties: {
      observedGeneration: {
        type: 'integer',
        format: 'int64',
        description: 'metadata.generation this status was computed from.',
      },
      conditions: {
        type: 'array',
        description:
          'Succeeded (Unknown while running), Progressing, Ready, and Stalled when the batch cannot proceed.',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
        maxItems: 8,
        items: {
          type: 'object',
          required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
          properties: {
            type: { type: 'string', maxLength: 316 },
            status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
            reason: { type: 'string', maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' },
            message: { type: 'string', maxLength: 32768 },
            lastTransitionTime: timeField,
            observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
          },
        },
      },
      operation: { type: 'string', enum: ['generate', 'validate'] },
      region: { type: 'string' },
      requested: count('Rows requested: the generate count, or the validate input rows once known.'),
      total: count('Rows the workflow will process (0 until prepared).'),
      processed: count('Rows processed and committed.'),
      valid: count('Valid numbers stored.'),
      invalid: count('Invalid numbers stored.'),
      progress: { type: 'string', description: 'processed/total, e.g. 2500/10000.' },
      startedAt: timeField,
      finishedAt: timeField,
      batchId: { type: 'string', description: 'Batch id in PostgreSQL and the REST API (= metadata.uid).' },
      workflowId: { type: 'string' },
      runId: { type: 'string', description: 'Latest run of the workflow (it continues as new on big batches).' },
      temporalUiUrl: { type: 'string', description: 'The workflow in the Temporal Web UI.' },
    },
  };
}

/** The whole CustomResourceDefinition object. */
export function buildCrd(): Json {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: 'phonebatch',
        shortNames: ['pb'],
        categories: ['all'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Operation', type: 'string', jsonPath: '.status.operation' },
            { name: 'Region', type: 'string', jsonPath: '.status.region' },
            { name: 'Requested', type: 'integer', jsonPath: '.status.requested' },
            { name: 'Progress', type: 'string', jsonPath: '.status.progress' },
            { name: 'Succeeded', type: 'string', jsonPath: '.status.conditions[?(@.type=="Succeeded")].status' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'A bulk phone-number job: generate or validate numbers with libphonenumber, run as a Temporal workflow, results in PostgreSQL.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: specSchema(),
                status: statusSchema(),
              },
            },
          },
        },
      ],
    },
  };
}

/** The CRD as YAML, with a header saying it is generated. */
export function crdYaml(): string {
  return `# Generated by operator/crd-gen.ts from batches/spec.ts. Do not edit; run\n#   node --import tsx operator/crd-gen.ts --write\n${stringify(buildCrd(), { lineWidth: 0 })}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const yaml = crdYaml();
  if (process.argv.includes('--write')) {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..');
    for (const p of CRD_PATHS) writeFileSync(join(root, p), yaml);
  } else {
    process.stdout.write(yaml);
  }
}
