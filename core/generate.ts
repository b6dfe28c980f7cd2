/**
 * Bulk generation of unique, valid phone numbers from a {@link GenerateRequest}.
 *
 * A batch is a keyed permutation (core/permutation.ts) of a densely indexed candidate space:
 *   seq ∈ [0, count) → candidate index perm(seq) ∈ [0, capacity) → NSN → E.164.
 * So numbers are unique by construction (no Set), the same spec+seed gives the same numbers,
 * any seq range can be produced independently (workers take ranges), and memory does not
 * depend on count. Every emitted number is re-validated with classifyNational; a disagreement
 * is a bug and throws.
 *
 * Candidate spaces (all exact and dense):
 *  - fictional: regulator-published drama/test numbers (core/fictional.ts) that validate;
 *  - random: every NSN valid for the region (and type, and `areaCodes` as NSN leading digits),
 *    counted and unranked by the automaton (core/number-space.ts);
 *  - range: the valid NSNs starting with the owned prefix. Numbers of the block that
 *    libphonenumber does not consider valid are NOT emitted (capacity counts valid ones only),
 *    because every generated number must validate.
 */
import { compileRegion, type RegionClassifier } from './fastpath.ts';
import { fictionalRegions, fictionalSet, hasFictionalRange } from './fictional.ts';
import { getRegionPlan, isKnownRegion, regionsForCallingCode } from './metadata.ts';
import { createPermutation, hash32, type Permutation } from './permutation.ts';
import { NumberSpace, regionAutomaton } from './number-space.ts';
import type { GeneratedNumber, GenerateRequest, NumberType, Region } from './types.ts';

/** A spec that cannot be honoured: `field` is the spec path (e.g. `generate.count`), `reason` why. */
export class GenerateSpecError extends Error {
  readonly field: string;
  readonly reason: string;
  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'GenerateSpecError';
    this.field = field;
    this.reason = reason;
  }
}

/** Receives one number per call in {@link Generator.fill}; no object is allocated per number. */
export type FillCallback = (seq: number, e164: string, type: NumberType | null) => void;

export interface Generator {
  /** How many distinct numbers the spec's candidate space holds (≥ spec.count). */
  readonly capacity: number;
  readonly spec: GenerateRequest;
  /** spec.count */
  readonly count: number;
  readonly region: Region;
  /** Calling code without "+", e.g. "1". */
  readonly callingCode: string;
  /** The seed actually used (spec.seed or the one derived from the spec). */
  readonly seed: string;
  /** Human description of the candidate space, e.g. "020 7946 0xxx, 0113 496 0xxx …". */
  readonly description: string;
  /** The number at position seq ∈ [0, count). @throws RangeError outside. */
  at(seq: number): GeneratedNumber;
  /** E.164 string of position seq (no object allocated). */
  e164At(seq: number): string;
  /** National significant number of position seq. */
  nsnAt(seq: number): string;
  /**
   * Emits positions [start, end) in order, either pushed onto `out` as objects or passed to a
   * callback (the fast path for COPY writers). Returns the number emitted (end - start).
   * @throws RangeError when the range is outside [0, count).
   */
  fill(start: number, end: number, out: GeneratedNumber[] | FillCallback): number;
}

/** Candidate space: `capacity` NSNs addressable by index. */
interface Space {
  capacity: number;
  /** @throws RangeError when i is outside [0, capacity). */
  nsnAt(i: number): string;
  description: string;
}

function outOfRange(i: number, capacity: number): never {
  throw new RangeError(`index ${i} outside [0, ${capacity})`);
}

const spaceCache = new Map<string, Space>();
function cached(key: string, make: () => Space): Space {
  let s = spaceCache.get(key);
  if (!s) {
    s = make();
    if (spaceCache.size >= 64) spaceCache.delete(spaceCache.keys().next().value as string);
    spaceCache.set(key, s);
  }
  return s;
}

/**
 * The seed used when the spec has none: a hash of the spec without `seed` and `count`, so the
 * same spec gives the same numbers, and a bigger count extends a smaller one (same prefix of seqs).
 */
function defaultSeed(spec: GenerateRequest): string {
  const canon = JSON.stringify([
    spec.region,
    spec.mode ?? 'fictional',
    spec.numberType ?? null,
    spec.areaCodes ?? null,
    spec.prefix ?? null,
  ]);
  return 'spec:' + hash32(canon).toString(16) + hash32(canon, 0x5bd1e995).toString(16);
}

/** Explains why `type` cannot be requested for `region`, or null when it might be fine. */
function typeProblem(region: Region, type: NumberType): string | null {
  const plan = getRegionPlan(region);
  const mob = plan.types.MOBILE;
  const noMobileDistinction = !mob || mob.pattern === '';
  if ((type === 'MOBILE' || type === 'FIXED_LINE') && noMobileDistinction && plan.types.FIXED_LINE) {
    return (
      `libphonenumber cannot tell mobile from fixed-line numbers in ${region}` +
      `${plan.callingCode === '1' ? ' (NANP)' : ''}: every such number is typed FIXED_LINE_OR_MOBILE, ` +
      `so a ${type} filter cannot be honoured; use numberType FIXED_LINE_OR_MOBILE`
    );
  }
  if (type !== 'FIXED_LINE_OR_MOBILE' && !plan.types[type])
    return `${region} has no ${type} numbers in libphonenumber-js/max metadata`;
  return null;
}

function ellipsis(items: string[], max = 3): string {
  return items.slice(0, max).join(', ') + (items.length > max ? ' …' : '');
}

function fictionalSpace(spec: GenerateRequest): Space {
  const { numberType, areaCodes } = spec;
  const region = spec.region as Region;
  if (!hasFictionalRange(region)) {
    throw new GenerateSpecError(
      'generate.mode',
      `no published fictional range for ${region}; fictional mode supports ${fictionalRegions().join(', ')} (use mode random or range otherwise)`,
    );
  }
  const set = fictionalSet(region);
  const nanp = getRegionPlan(region).callingCode === '1';
  let idx = set.nsns.map((_, i) => i);
  if (areaCodes) {
    for (const ac of areaCodes) {
      if (!idx.some((i) => set.nsns[i]!.startsWith(ac))) {
        throw new GenerateSpecError(
          'generate.areaCodes',
          `area code ${ac} has no valid fictional ${nanp ? '555-01xx ' : ''}numbers for ${region}`,
        );
      }
    }
    idx = idx.filter((i) => areaCodes.some((ac) => set.nsns[i]!.startsWith(ac)));
  }
  if (numberType) {
    const p = typeProblem(region, numberType);
    if (p) throw new GenerateSpecError('generate.numberType', p);
    idx = idx.filter((i) => set.types[i] === numberType);
    if (idx.length === 0) {
      const ex = set.excluded.map((e) => `${e.label}: ${e.reason}`);
      throw new GenerateSpecError(
        'generate.numberType',
        `no fictional ${numberType} numbers for ${region} validate in libphonenumber-js/max` +
          (ex.length ? ` (excluded: ${ex.join('; ')})` : ''),
      );
    }
  }
  const nsns = idx.length === set.nsns.length ? set.nsns : idx.map((i) => set.nsns[i]!);
  const labels = set.blocks.filter((b) => nsns.some((n) => n.startsWith(b.nsnPrefix))).map((b) => b.label);
  return {
    capacity: nsns.length,
    nsnAt: (i) => nsns[i] ?? outOfRange(i, nsns.length),
    description: `${set.source}: ${ellipsis(labels)}`,
  };
}

function automatonSpace(
  region: Region,
  type: NumberType | null,
  prefixes: string[],
  field: string,
  label: (p: string) => string,
): Space {
  if (type) {
    const p = typeProblem(region, type);
    if (p) throw new GenerateSpecError('generate.numberType', p);
  }
  const a = regionAutomaton(region, type);
  const typeText = type ? `${type} ` : '';
  if (a.cnt[0] === 0)
    throw new GenerateSpecError(
      'generate.numberType',
      `no valid ${typeText}numbers exist for ${region} in libphonenumber-js/max metadata`,
    );
  for (const p of prefixes) {
    let s = 0;
    for (let j = 0; j < p.length && s >= 0; j++) s = a.trans[s * 10 + p.charCodeAt(j) - 48]!;
    if (s < 0 || a.cnt[s] === 0) {
      throw new GenerateSpecError(field, `no valid ${typeText}number for ${region} starts with ${label(p)}`);
    }
  }
  const space = new NumberSpace(region, a, prefixes);
  if (space.count === 0)
    throw new GenerateSpecError(
      field,
      `no valid ${typeText}number for ${region} starts with ${prefixes.map(label).join(', ')}`,
    );
  if (space.count > 2 ** 53)
    throw new GenerateSpecError(field, `candidate space of ${space.count} exceeds 2^53; narrow it`);
  const desc =
    `${typeText || 'any type '}valid for ${region}` +
    (prefixes.length ? ` starting ${ellipsis(prefixes.map(label), 5)}` : '');
  return { capacity: space.count, nsnAt: (i) => space.unrank(i), description: desc };
}

function rangePrefix(spec: GenerateRequest, cc: string): string {
  const region = spec.region as Region;
  const raw = spec.prefix ?? '';
  const digits = raw.replace(/[^0-9]/g, '');
  let found: string | null = null;
  for (let l = 1; l <= 3 && l <= digits.length; l++)
    if (regionsForCallingCode(digits.slice(0, l))) {
      found = digits.slice(0, l);
      break;
    }
  if (!raw.startsWith('+') || found === null) {
    throw new GenerateSpecError('generate.prefix', `"${raw}" does not start with "+" and a known country calling code`);
  }
  if (found !== cc) {
    throw new GenerateSpecError(
      'generate.prefix',
      `"${raw}" has calling code +${found} (${regionsForCallingCode(found)!.join(', ')}), but region ${spec.region} uses +${cc}`,
    );
  }
  const nsnPrefix = digits.slice(found.length);
  if (nsnPrefix.startsWith('0')) {
    // A trunk "0" after the calling code is a common mistake (+44 020 … instead of +44 20 …).
    const a = regionAutomaton(region, spec.numberType ?? null);
    let st = 0;
    for (let j = 0; j < nsnPrefix.length && st >= 0; j++) st = a.trans[st * 10 + nsnPrefix.charCodeAt(j) - 48]!;
    if (st < 0 || a.cnt[st] === 0) {
      throw new GenerateSpecError(
        'generate.prefix',
        `no valid number for ${region} starts with "${raw}": it keeps a national trunk prefix 0 after +${cc}; write the block without it`,
      );
    }
  }
  return nsnPrefix;
}

/**
 * Builds the generator for `spec` (assumed schema-valid, see batches/spec.ts).
 *  - mode default 'fictional'; numberType absent = any valid type (each number is reported with
 *    its libphonenumber type); seed absent = {@link defaultSeed}.
 *  - areaCodes: leading digits of the NSN (NANP: NPA) in random and fictional mode.
 * @throws GenerateSpecError with field `generate.count` when count > capacity (message names the
 *   space), `generate.numberType` for a type libphonenumber cannot distinguish or has no numbers
 *   of (e.g. MOBILE in NANP), `generate.areaCodes` / `generate.prefix` for leading digits with
 *   no valid number, `generate.mode` for fictional mode without a published range,
 *   `generate.region` for an unknown region.
 */
export function createGenerator(spec: GenerateRequest): Generator {
  const region = spec.region as Region;
  if (!isKnownRegion(region)) throw new GenerateSpecError('generate.region', `unknown region "${spec.region}"`);
  const mode = spec.mode ?? 'fictional';
  const type = spec.numberType ?? null;
  const plan = getRegionPlan(region);
  const cc = plan.callingCode;
  const ac = spec.areaCodes ? [...spec.areaCodes] : [];
  let space: Space;
  if (mode === 'fictional') {
    space = cached(`F|${region}|${type}|${ac.join(',')}`, () => fictionalSpace(spec));
  } else if (mode === 'random') {
    space = cached(`R|${region}|${type}|${ac.join(',')}`, () =>
      automatonSpace(region, type, ac, 'generate.areaCodes', (p) => `area code ${p}`),
    );
  } else {
    if (ac.length)
      throw new GenerateSpecError(
        'generate.areaCodes',
        'areaCodes are not used in range mode; put the block in prefix',
      );
    const p = rangePrefix(spec, cc);
    space = cached(`G|${region}|${type}|${p}`, () =>
      automatonSpace(region, type, [p], 'generate.prefix', () => `prefix ${spec.prefix}`),
    );
  }
  if (spec.count > space.capacity) {
    throw new GenerateSpecError(
      'generate.count',
      `${spec.count} requested but only ${space.capacity} ${mode} numbers exist for ${region} (${space.description})`,
    );
  }
  const seed = spec.seed ?? defaultSeed(spec);
  const perm: Permutation = createPermutation(space.capacity, seed);
  const cls: RegionClassifier = compileRegion(region);
  const count = spec.count;
  const plus = '+' + cc;

  const check = (seq: number): void => {
    if (!(seq >= 0 && seq < count) || !Number.isInteger(seq)) throw new RangeError(`seq ${seq} outside [0, ${count})`);
  };
  const verify = (nsn: string): NumberType | null => {
    const t = cls.typeOf(nsn);
    if (t === undefined || (type !== null && t !== type)) {
      throw new Error(
        `generator bug: ${plus}${nsn} is ${t === undefined ? 'not valid' : `typed ${t}`} for ${region}` +
          (type ? ` (wanted ${type})` : ''),
      );
    }
    return t;
  };
  const nsnAt = (seq: number): string => space.nsnAt(perm.at(seq));

  return {
    capacity: space.capacity,
    spec,
    count,
    region,
    callingCode: cc,
    seed,
    description: space.description,
    at(seq) {
      check(seq);
      const nsn = nsnAt(seq);
      return { seq, e164: plus + nsn, region, type: verify(nsn), valid: true };
    },
    e164At(seq) {
      check(seq);
      const nsn = nsnAt(seq);
      verify(nsn);
      return plus + nsn;
    },
    nsnAt(seq) {
      check(seq);
      const nsn = nsnAt(seq);
      verify(nsn);
      return nsn;
    },
    fill(start, end, out) {
      if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= count)) {
        throw new RangeError(`fill range [${start}, ${end}) outside [0, ${count}]`);
      }
      if (typeof out === 'function') {
        for (let seq = start; seq < end; seq++) {
          const nsn = nsnAt(seq);
          out(seq, plus + nsn, verify(nsn));
        }
      } else {
        for (let seq = start; seq < end; seq++) {
          const nsn = nsnAt(seq);
          out.push({ seq, e164: plus + nsn, region, type: verify(nsn), valid: true });
        }
      }
      return end - start;
    },
  };
}
