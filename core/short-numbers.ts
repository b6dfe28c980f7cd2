/**
 * Short codes and emergency numbers (`911`, `112`, `116 000`, `15`), from libphonenumber's
 * published short-number metadata (resources/ShortNumberMetadata.xml upstream). libphonenumber-js
 * does not ship that data; the google-libphonenumber package (Google's libphonenumber compiled
 * for JavaScript, Apache-2.0, its LICENSE in node_modules/google-libphonenumber/LICENSE) does,
 * with `ShortNumberInfo`. It is loaded on first use only: a short number is rare in a batch and
 * the package is ~600 KB of JavaScript. Pure (no I/O after the load).
 */
import { createRequire } from 'node:module';
import type { Region } from './types.ts';

/** The parts of google-libphonenumber's API used here (it ships no types). */
interface ShortNumberApi {
  isValidShortNumberForRegion(number: unknown, region: string): boolean;
  isEmergencyNumber(number: string, region: string): boolean;
}
interface PhoneNumberUtilApi {
  parse(number: string, region: string): unknown;
}
interface GoogleLibphonenumber {
  ShortNumberInfo: { getInstance(): ShortNumberApi };
  PhoneNumberUtil: { getInstance(): PhoneNumberUtilApi };
}

let lib: { short: ShortNumberApi; util: PhoneNumberUtilApi } | null = null;

function load(): { short: ShortNumberApi; util: PhoneNumberUtilApi } {
  if (lib === null) {
    const g = createRequire(import.meta.url)('google-libphonenumber') as GoogleLibphonenumber;
    lib = { short: g.ShortNumberInfo.getInstance(), util: g.PhoneNumberUtil.getInstance() };
  }
  return lib;
}

/** Most digits of a short number in libphonenumber's short-number metadata (e.g. DE `116117`). */
export const MAX_SHORT_NUMBER_DIGITS = 6;

/** Whether `digits` is a short number dialled in `region`, and whether it reaches emergency services. */
export interface ShortNumber {
  emergency: boolean;
}

/** Verdicts by region + digits (short tokens repeat across a batch: `24`, `200`, `112`). */
const verdicts = new Map<string, ShortNumber | null>();
const MAX_CACHED = 10_000;

/**
 * `digits` (ASCII digits only, as dialled: `116000`) read as a short number of `region`, per
 * ShortNumberInfo.isValidShortNumberForRegion; `emergency` is isEmergencyNumber (an exact match,
 * so `9110` is not emergency). null when it is not one, or longer than MAX_SHORT_NUMBER_DIGITS.
 * Never throws.
 */
export function shortNumberOf(digits: string, region: Region): ShortNumber | null {
  if (digits.length < 2 || digits.length > MAX_SHORT_NUMBER_DIGITS || !/^\d+$/.test(digits)) return null;
  const key = region + digits;
  const hit = verdicts.get(key);
  if (hit !== undefined) return hit;
  const { short, util } = load();
  let verdict: ShortNumber | null = null;
  try {
    if (short.isValidShortNumberForRegion(util.parse(digits, region), region)) {
      verdict = { emergency: short.isEmergencyNumber(digits, region) };
    }
  } catch {
    verdict = null;
  }
  if (verdicts.size >= MAX_CACHED) verdicts.clear(); // bounded: a batch repeats few short tokens
  verdicts.set(key, verdict);
  return verdict;
}
