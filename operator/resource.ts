/**
 * The PhoneBatch custom resource (phonebatch.io/v1alpha1): names, TypeScript shapes and the
 * mapping from a resource's spec to the batch spec every entry point shares
 * (batches/spec.ts). Pure: no I/O.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  validateOptionsOf,
  type BatchSpec,
  type GenerateSpec,
  type InputRow,
  type SpecValidateOptions,
} from '../batches/spec.ts';

export const GROUP = 'phonebatch.io';
export const VERSION = 'v1alpha1';
export const PLURAL = 'phonebatches';
export const KIND = 'PhoneBatch';
/** Finalizer the operator owns; domain-qualified, as the API conventions require. */
export const FINALIZER = 'phonebatch.io/cleanup';
/** Largest inline validate source in a resource: the object must stay far below etcd's 1.5 MiB. */
export const MAX_CR_INLINE_NUMBERS = 1000;
/** Longest inline raw field in a resource. */
export const MAX_CR_INLINE_LENGTH = 256;

export type DeletionPolicy = 'Keep' | 'Delete';

/** spec.validate.source of a resource: exactly one of the three (enforced by CEL in the CRD). */
export interface PhoneBatchSource {
  inline?: string[];
  /** A ConfigMap key in the resource's namespace, one number per line; read by the operator. */
  configMapKeyRef?: { name: string; key: string };
  /** UUID of an earlier batch (a PhoneBatch's metadata.uid, or any batch id). */
  batchRef?: string;
}

export interface PhoneBatchSpec {
  generate?: GenerateSpec;
  /** The batch spec's validate block (defaultRegion, repairs, defaultAreaCode, numericSource) with a required source. */
  validate?: { defaultRegion?: string; source: PhoneBatchSource } & SpecValidateOptions;
  /** Keep (default): stored rows outlive the resource. Delete: the finalizer deletes them. */
  deletionPolicy?: DeletionPolicy;
  /** true cancels the workflow; may be set after creation but never unset. */
  cancel?: boolean;
}

/** metav1.Condition, as the API conventions define it. */
export interface Condition {
  type: 'Succeeded' | 'Progressing' | 'Ready' | 'Stalled';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface PhoneBatchStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  operation?: 'generate' | 'validate';
  region?: string;
  /** Rows requested: the generate count, or the validate input rows once known. */
  requested?: number;
  total?: number;
  processed?: number;
  valid?: number;
  invalid?: number;
  /** "processed/total", e.g. "2500/10000"; "0/?" before the total is known. */
  progress?: string;
  startedAt?: string;
  finishedAt?: string;
  batchId?: string;
  workflowId?: string;
  runId?: string;
  temporalUiUrl?: string;
}

export interface PhoneBatch extends KubernetesObject {
  spec: PhoneBatchSpec;
  status?: PhoneBatchStatus;
}

/** `namespace/name`: the work-queue key of a resource. */
export function keyOf(o: KubernetesObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/**
 * The batch spec for a resource: what the batch service is given (batches/service.ts). A
 * ConfigMap source is not part of it: its lines go to the service as uploaded rows (see
 * {@link linesOf}), and the spec then has no source. The CR-only fields (deletionPolicy, cancel)
 * are dropped. Does not validate: the service does (SpecError).
 */
export function toBatchSpec(spec: PhoneBatchSpec): BatchSpec {
  if (spec.generate) return { generate: spec.generate };
  const v = spec.validate!;
  const base = { ...(v.defaultRegion ? { defaultRegion: v.defaultRegion } : {}), ...validateOptionsOf(v) };
  if (v.source.batchRef) return { validate: { ...base, source: { batchRef: v.source.batchRef } } };
  if (v.source.configMapKeyRef) return { validate: base };
  return { validate: { ...base, source: { inline: v.source.inline ?? [] } } };
}

/** Splits ConfigMap data into input rows: one per non-empty line, trimmed. */
export function linesOf(data: string): InputRow[] {
  return data
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((raw) => ({ raw }));
}
