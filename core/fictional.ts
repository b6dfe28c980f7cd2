/**
 * Fictional (drama / test) number ranges published by regulators, as blocks of national
 * significant numbers (NSN, no trunk prefix). A block lists `nsnPrefix` followed by `width`
 * free digits. Which members are emitted is decided at runtime by classifyNational
 * (libphonenumber-js/max): a block member that does not validate for the region is never
 * emitted, and a block with no valid member is reported in `excluded`.
 *
 * Checked against libphonenumber-js 1.13.16 (/max):
 *  - GB blocks that do NOT validate, hence excluded: 07700 900xxx (Ofcom's drama mobiles, so GB
 *    fictional MOBILE is impossible and reported as such), 0115 496 0xxx and 01632 960xxx.
 *    The other 15 GB blocks validate (15,000 numbers).
 *  - every AU entry below validates (80,033 numbers); NANP 555-01XX validates in 359 US NPAs,
 *    56 CA NPAs, and the Caribbean members' NPAs.
 */
import { compileRegion } from './fastpath.ts';
import { regionsForCallingCode } from './metadata.ts';
import type { NumberType, Region } from './types.ts';

export interface FictionalBlock {
  /** National significant number digits that every member starts with. */
  nsnPrefix: string;
  /** Number of free trailing digits (0 = a single number). */
  width: number;
  /** Human label in national format, e.g. "020 7946 0xxx". */
  label: string;
}

// Ofcom, "Telephone numbers for use in TV and radio drama programmes" (numbers reserved by
// Ofcom for drama; https://www.ofcom.org.uk/phones-and-broadband/phone-numbers/numbers-for-drama).
const OFCOM_GB: FictionalBlock[] = [
  { nsnPrefix: '2079460', width: 3, label: '020 7946 0xxx' }, // London
  { nsnPrefix: '1134960', width: 3, label: '0113 496 0xxx' }, // Leeds
  { nsnPrefix: '1144960', width: 3, label: '0114 496 0xxx' }, // Sheffield
  { nsnPrefix: '1154960', width: 3, label: '0115 496 0xxx' }, // Nottingham: invalid in libphonenumber → excluded
  { nsnPrefix: '1164960', width: 3, label: '0116 496 0xxx' }, // Leicester
  { nsnPrefix: '1174960', width: 3, label: '0117 496 0xxx' }, // Bristol
  { nsnPrefix: '1184960', width: 3, label: '0118 496 0xxx' }, // Reading
  { nsnPrefix: '1214960', width: 3, label: '0121 496 0xxx' }, // Birmingham
  { nsnPrefix: '1314960', width: 3, label: '0131 496 0xxx' }, // Edinburgh
  { nsnPrefix: '1414960', width: 3, label: '0141 496 0xxx' }, // Glasgow
  { nsnPrefix: '1514960', width: 3, label: '0151 496 0xxx' }, // Liverpool
  { nsnPrefix: '1614960', width: 3, label: '0161 496 0xxx' }, // Manchester
  { nsnPrefix: '2896496', width: 3, label: '028 9649 6xxx' }, // Northern Ireland (Belfast)
  { nsnPrefix: '1632960', width: 3, label: '01632 960xxx' }, // no area: invalid in libphonenumber → excluded
  { nsnPrefix: '8081570', width: 3, label: '0808 157 0xxx' }, // freephone
  { nsnPrefix: '9098790', width: 3, label: '0909 879 0xxx' }, // premium rate
  { nsnPrefix: '3069990', width: 3, label: '0306 999 0xxx' }, // UK-wide
  { nsnPrefix: '7700900', width: 3, label: '07700 900xxx' }, // mobile: invalid in libphonenumber → excluded
];

// ACMA, "Phone numbers for use in TV, film and radio" (fictitious numbers reserved in the
// Telecommunications Numbering Plan; https://www.acma.gov.au/phone-numbers-use-tv-shows-films-and-creative-works).
const ACMA_AU: FictionalBlock[] = [
  ...[
    '570006',
    '570156',
    '570157',
    '570158',
    '570159',
    '570110',
    '570313',
    '570737',
    '571266',
    '571491',
    '571804',
    '572549',
    '572665',
    '572983',
    '573087',
    '573770',
    '574118',
    '574632',
    '575254',
    '575789',
    '576398',
    '576801',
    '577426',
    '577644',
    '578148',
    '578888',
    '578957',
    '579212',
    '579455',
    '579760',
  ].map((s) => ({ nsnPrefix: '491' + s, width: 0, label: `0491 ${s.slice(0, 3)} ${s.slice(3)}` })),
  ...['2', '3', '7', '8'].flatMap((a) => [
    { nsnPrefix: a + '5550', width: 4, label: `0${a} 5550 xxxx` },
    { nsnPrefix: a + '7010', width: 4, label: `0${a} 7010 xxxx` },
  ]),
  { nsnPrefix: '1800160401', width: 0, label: '1800 160 401' },
  { nsnPrefix: '1800975707', width: 0, label: '1800 975 707' },
  { nsnPrefix: '1900654321', width: 0, label: '1900 654 321' },
];

/** Regions with a published fictional range other than NANP. */
const TABLES: Partial<Record<Region, { blocks: FictionalBlock[]; source: string }>> = {
  GB: { blocks: OFCOM_GB, source: 'Ofcom drama numbers' },
  AU: { blocks: ACMA_AU, source: 'ACMA fictitious numbers' },
};

const NANP_REGIONS = new Set<string>(regionsForCallingCode('1') ?? []);

/** Types of geographic NANP numbers; 555-01XX is reserved in geographic NPAs only. */
const NANP_GEO_TYPES = new Set<NumberType | null>(['FIXED_LINE_OR_MOBILE', 'FIXED_LINE', 'MOBILE']);

/** Regions for which fictional mode works: NANP members, GB, AU. */
export function fictionalRegions(): Region[] {
  return [...(Object.keys(TABLES) as Region[]), ...([...NANP_REGIONS] as Region[])];
}

export function hasFictionalRange(region: Region): boolean {
  return region in TABLES || NANP_REGIONS.has(region);
}

/** The emitted members of a region's fictional range, in block order. */
export interface FictionalSet {
  region: Region;
  nsns: string[];
  types: Array<NumberType | null>;
  /** Blocks with at least one valid member. */
  blocks: FictionalBlock[];
  /** Blocks left out, with why. */
  excluded: Array<{ label: string; reason: string }>;
  source: string;
}

const cache = new Map<Region, FictionalSet>();

/**
 * Every fictional number of `region` that libphonenumber-js/max validates for that region.
 * NANP: 555-0100…555-0199 in every NPA whose numbers validate as geographic
 * (FIXED_LINE_OR_MOBILE) numbers of this region (NANPA reserves 555-0100 to 555-0199 for
 * fictitious use; derived from metadata on first use, then cached).
 * @throws Error when the region has no published fictional range (see {@link fictionalRegions}).
 */
export function fictionalSet(region: Region): FictionalSet {
  const hit = cache.get(region);
  if (hit) return hit;
  const cls = compileRegion(region);
  let blocks: FictionalBlock[];
  let source: string;
  if (NANP_REGIONS.has(region)) {
    source = 'NANPA 555-0100–0199';
    blocks = [];
    for (let npa = 200; npa <= 999; npa++) {
      blocks.push({ nsnPrefix: `${npa}55501`, width: 2, label: `(${npa}) 555-01xx` });
    }
  } else {
    const t = TABLES[region];
    if (!t) throw new Error(`no published fictional range for ${region}; supported: ${fictionalRegions().join(', ')}`);
    blocks = t.blocks;
    source = t.source;
  }
  const out: FictionalSet = { region, nsns: [], types: [], blocks: [], excluded: [], source };
  for (const b of blocks) {
    const size = 10 ** b.width;
    let kept = 0;
    for (let j = 0; j < size; j++) {
      const nsn = b.nsnPrefix + (b.width ? String(j).padStart(b.width, '0') : '');
      const t = cls.typeOf(nsn);
      if (t === undefined) continue;
      if (NANP_REGIONS.has(region) && !NANP_GEO_TYPES.has(t)) continue;
      out.nsns.push(nsn);
      out.types.push(t);
      kept++;
    }
    if (kept > 0) out.blocks.push(b);
    else if (!NANP_REGIONS.has(region))
      out.excluded.push({ label: b.label, reason: `not valid for ${region} in libphonenumber-js/max` });
  }
  cache.set(region, out);
  return out;
}
