/**
 * The only accessor of libphonenumber-js/max metadata in the project: read-only views in the
 * shapes the validator (core/plan-mirror.ts), the fast path (core/fastpath.ts) and the
 * automaton (core/number-space.ts) need. Everything here mirrors accessors of
 * libphonenumber-js's `Metadata` (source/metadata.js); nothing is re-derived from other
 * sources, so the fast paths stay exactly as strict as the library.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Metadata, getCountries, type PhoneNumber } from 'libphonenumber-js/max';
import { PhoneNumber as CorePhoneNumber, type MetadataJson } from 'libphonenumber-js/core';
import type { NumberType, Region } from './types.ts';

const require = createRequire(import.meta.url);

/** Version of the installed libphonenumber-js package (e.g. "1.13.16"); record it with every batch. */
export const LIBPHONENUMBER_VERSION: string = (() => {
  // The package's `exports` map hides package.json, so locate it next to the resolved entry point.
  const entry = require.resolve('libphonenumber-js');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
})();

interface RawMetadataJson {
  country_calling_codes: Record<string, string[]>;
}

// `Metadata` from /max is constructed over metadata.max.json; `.metadata` is that JSON.
const RAW = (new Metadata() as unknown as MetadataApi).metadata as RawMetadataJson;

/**
 * Type check order of libphonenumber-js `getNumberType` (helpers/getNumberType.js):
 * FIXED_LINE first (with the FIXED_LINE_OR_MOBILE rule), then these in this order.
 */
export const NON_FIXED_LINE_TYPES: readonly NumberType[] = [
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

/** Types that carry their own pattern in metadata (FIXED_LINE_OR_MOBILE is derived). */
const PATTERN_TYPES: readonly NumberType[] = ['FIXED_LINE', ...NON_FIXED_LINE_TYPES];

/** Length limits applied by `parse()` before any pattern is consulted (source/constants.js). */
export const MIN_LENGTH_FOR_NSN = 2;
export const MAX_LENGTH_FOR_NSN = 17;

/** One type description of a region: the regex source and the lengths it applies to. */
export interface TypeDesc {
  /** Regex source; '' means "same as FIXED_LINE" (libphonenumber drops duplicate patterns). */
  pattern: string;
  /** `Type.possibleLengths()`: the type's own lengths or, when absent, the region's. */
  possibleLengths: readonly number[];
}

/** One number format of a plan (metadata.js `Format`). */
export interface FormatDesc {
  pattern: string;
  format: string;
  leadingDigitsPatterns: readonly string[];
  nationalPrefixFormattingRule: string | null;
}

/**
 * A numbering plan as `Metadata.selectNumberingPlan(key)` selects it: by region, or by calling
 * code for the non-geographic entities (region `001`, e.g. +800, +979).
 */
export interface NumberingPlan {
  nationalNumberPattern: string;
  /** Possible national number lengths, ascending; empty when the plan sets none. */
  possibleLengths: readonly number[];
  hasTypes: boolean;
  /** Keyed by the pattern-bearing types; absent key = no such type in metadata. */
  types: Partial<Record<NumberType, TypeDesc>>;
  /** Formats in metadata order (format.js picks the first that fits). */
  formats: readonly FormatDesc[];
  /** Extension prefix for formatting, e.g. " ext. " (`Metadata.ext()`). */
  ext: string;
  /** The plan's own national (trunk) prefix, e.g. "0"; null when it has none. */
  nationalPrefix: string | null;
}

/** A region's numbering plan plus what libphonenumber consults to attribute a number to it. */
export interface RegionPlan extends NumberingPlan {
  region: Region;
  callingCode: string;
  /** Regions sharing the calling code in libphonenumber's order (main region first). */
  callingCodeRegions: readonly Region[];
  /** The region whose plan `selectNumberingPlan(callingCode)` picks (used for prefix stripping). */
  mainRegion: Region;
  /** `leadingDigits` pattern (source of a non-anchored `search()`); null when absent. */
  leadingDigits: string | null;
  /** `nationalPrefixForParsing()` (falls back to nationalPrefix), or null. */
  nationalPrefixForParsing: string | null;
  nationalPrefixTransformRule: string | null;
  /**
   * The same two of the region's own plan: what parse() strips from a number written in national
   * format with this default region (it selects the region's plan, not the calling code's).
   */
  ownPrefixForParsing: string | null;
  ownPrefixTransformRule: string | null;
  /** `IDDPrefix()`: the pattern of the region's international (IDD) prefixes, e.g. "00", or null. */
  iddPrefix: string | null;
}

interface TypeApi {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface FormatApi {
  pattern(): string;
  format(): string;
  leadingDigitsPatterns(): string[];
  nationalPrefixFormattingRule(): string | undefined;
}
interface NumberingPlanApi {
  callingCode(): string;
  nationalNumberPattern(): string;
  possibleLengths(): number[];
  leadingDigits(): string | undefined;
  hasTypes(): boolean;
  type(t: string): TypeApi | undefined;
  formats(): FormatApi[];
  nationalPrefix(): string | undefined;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
  IDDPrefix(): string | undefined;
}
/** The parts of libphonenumber-js's Metadata class used here (not in its .d.ts). */
interface MetadataApi {
  metadata: unknown;
  numberingPlan: NumberingPlanApi;
  selectNumberingPlan(c: string): void;
  ext(): string;
}

const ALL_REGIONS = new Set<string>(getCountries());
const planCache = new Map<string, RegionPlan>();
const numberingPlanCache = new Map<string, NumberingPlan>();

/**
 * The numbering plan selected by `key`: a region, or a calling code (what parse() selects for a
 * number of a non-geographic entity). Cached.
 * @throws Error when libphonenumber has no plan for `key`.
 */
export function getNumberingPlan(key: string): NumberingPlan {
  const hit = numberingPlanCache.get(key);
  if (hit) return hit;
  const m = new Metadata() as unknown as MetadataApi;
  m.selectNumberingPlan(key);
  const np = m.numberingPlan;
  const types: Partial<Record<NumberType, TypeDesc>> = {};
  for (const t of PATTERN_TYPES) {
    const td = np.type(t);
    if (td) types[t] = { pattern: td.pattern(), possibleLengths: td.possibleLengths() ?? np.possibleLengths() ?? [] };
  }
  const plan: NumberingPlan = {
    nationalNumberPattern: np.nationalNumberPattern(),
    possibleLengths: np.possibleLengths() ?? [],
    hasTypes: np.hasTypes(),
    types,
    formats: np.formats().map((f) => ({
      pattern: f.pattern(),
      format: f.format(),
      leadingDigitsPatterns: f.leadingDigitsPatterns(),
      nationalPrefixFormattingRule: f.nationalPrefixFormattingRule() || null,
    })),
    ext: m.ext(),
    nationalPrefix: np.nationalPrefix() || null,
  };
  numberingPlanCache.set(key, plan);
  return plan;
}

/** True when libphonenumber-js/max has metadata for `region`. */
export function isKnownRegion(region: string): region is Region {
  return ALL_REGIONS.has(region);
}

/**
 * The numbering plan of `region` as libphonenumber-js/max sees it. Cached.
 * @throws Error for a region without metadata.
 */
export function getRegionPlan(region: Region): RegionPlan {
  const hit = planCache.get(region);
  if (hit) return hit;
  if (!isKnownRegion(region)) throw new Error(`no libphonenumber metadata for region "${region}"`);
  const m = new Metadata() as unknown as MetadataApi;
  m.selectNumberingPlan(region);
  const np = m.numberingPlan;
  const own = getNumberingPlan(region);
  const callingCode = np.callingCode();
  const callingCodeRegions = RAW.country_calling_codes[callingCode] as Region[];
  const mainPlan = new Metadata() as unknown as MetadataApi;
  mainPlan.selectNumberingPlan(callingCode); // what parse() selects before stripping a national prefix
  const plan: RegionPlan = {
    ...own,
    region,
    callingCode,
    callingCodeRegions,
    mainRegion: callingCodeRegions[0]!,
    leadingDigits: np.leadingDigits() || null,
    nationalPrefixForParsing: mainPlan.numberingPlan.nationalPrefixForParsing() || null,
    nationalPrefixTransformRule: mainPlan.numberingPlan.nationalPrefixTransformRule() || null,
    ownPrefixForParsing: np.nationalPrefixForParsing() || null,
    ownPrefixTransformRule: np.nationalPrefixTransformRule() || null,
    iddPrefix: np.IDDPrefix() || null,
  };
  planCache.set(region, plan);
  return plan;
}

/** Regions sharing `callingCode`, main region first; undefined for an unknown code. */
export function regionsForCallingCode(callingCode: string): readonly Region[] | undefined {
  return RAW.country_calling_codes[callingCode] as Region[] | undefined;
}

/** Every region libphonenumber-js/max knows, in its order. */
export function allRegions(): Region[] {
  return getCountries();
}

/**
 * The PhoneNumber libphonenumber-js/max's parse() returns for a number it attributes to `region`
 * with national significant number `nsn` (no extension, no carrier code): built from the
 * metadata without parsing. For callers that already know both (core/check-text.ts fast path).
 */
export function phoneNumberOf(region: Region, nsn: string): PhoneNumber {
  return new CountryPhoneNumber(region, nsn, RAW as unknown as MetadataJson) as unknown as PhoneNumber;
}

// PhoneNumber.js's constructor also takes (country, nationalNumber, metadata); its .d.ts only
// declares (number, metadata).
const CountryPhoneNumber = CorePhoneNumber as unknown as new (
  country: string,
  nationalNumber: string,
  metadata: MetadataJson,
) => CorePhoneNumber;
