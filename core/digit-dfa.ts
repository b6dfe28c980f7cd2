/**
 * A compiler from libphonenumber's pattern dialect to complete DFAs over the ten digits. Pure.
 *
 * libphonenumber's patterns use a small regex subset (digits, [..] classes with ranges, \\d,
 * (?:..) and (..) groups, |, ?, {n}, {n,m}, and `$` at the end of an alternative); parseRegex
 * reads that subset (and throws on anything else), and regexDfa turns a pattern into a DFA,
 * whole-string or prefix, cached by source. core/number-space.ts builds its product automata
 * from these.
 */
// ---------------------------------------------------------------- regex → AST

export type Ast =
  | { k: 'set'; mask: number }
  | { k: 'seq'; items: Ast[] }
  | { k: 'alt'; alts: Ast[] }
  | { k: 'rep'; node: Ast; min: number; max: number }
  | { k: 'cap'; node: Ast }
  | { k: 'end' };

const ALL_DIGITS = 0x3ff;

/**
 * Parses libphonenumber's regex subset. `$` is accepted only as the last item of a top-level
 * alternative (nationalPrefixForParsing uses it). @throws Error on anything else unsupported.
 */
export function parseRegex(src: string): Ast {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`unsupported regex construct ${what} at ${i} in /${src}/`);
  };
  const parseAlt = (): Ast => {
    const alts: Ast[] = [parseSeq()];
    while (src[i] === '|') {
      i++;
      alts.push(parseSeq());
    }
    return alts.length === 1 ? alts[0]! : { k: 'alt', alts };
  };
  const parseSeq = (): Ast => {
    const items: Ast[] = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      let atom: Ast;
      const c = src[i]!;
      if (c === '(') {
        i++;
        let capture = true;
        if (src.startsWith('?:', i)) {
          i += 2;
          capture = false;
        } else if (src[i] === '?') fail('(?');
        atom = parseAlt();
        if (src[i] !== ')') fail('unclosed group');
        i++;
        if (capture) atom = { k: 'cap', node: atom };
      } else if (c === '[') {
        i++;
        let mask = 0;
        if (src[i] === '^') fail('[^');
        while (i < src.length && src[i] !== ']') {
          if (src.startsWith('\\d', i)) {
            mask |= ALL_DIGITS;
            i += 2;
            continue;
          }
          const a = src.charCodeAt(i) - 48;
          if (a < 0 || a > 9) fail(`class char ${src[i]}`);
          if (src[i + 1] === '-' && src[i + 2] !== ']') {
            const b = src.charCodeAt(i + 2) - 48;
            if (b < 0 || b > 9 || b < a) fail('range');
            for (let d = a; d <= b; d++) mask |= 1 << d;
            i += 3;
          } else {
            mask |= 1 << a;
            i++;
          }
        }
        if (src[i] !== ']') fail('unclosed class');
        i++;
        atom = { k: 'set', mask };
      } else if (c === '\\') {
        if (src[i + 1] !== 'd') fail(`\\${src[i + 1]}`);
        i += 2;
        atom = { k: 'set', mask: ALL_DIGITS };
      } else if (c >= '0' && c <= '9') {
        i++;
        atom = { k: 'set', mask: 1 << (c.charCodeAt(0) - 48) };
      } else if (c === '$') {
        i++;
        items.push({ k: 'end' });
        continue;
      } else {
        atom = fail(JSON.stringify(c));
      }
      // quantifiers
      for (;;) {
        if (src[i] === '?') {
          i++;
          atom = { k: 'rep', node: atom, min: 0, max: 1 };
        } else if (src[i] === '{') {
          const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(src.slice(i));
          if (!m) fail('{');
          const min = Number(m![1]);
          const max = m![2] ? (m![3] ? Number(m![3]) : Infinity) : min;
          i += m![0].length;
          atom = { k: 'rep', node: atom, min, max };
        } else if (src[i] === '*' || src[i] === '+') fail(src[i]!);
        else break;
      }
      items.push(atom);
    }
    return items.length === 1 ? items[0]! : { k: 'seq', items };
  };
  const ast = parseAlt();
  if (i !== src.length) fail('trailing');
  return ast;
}

// ---------------------------------------------------------------- AST → NFA → DFA

class Nfa {
  eps: number[][] = [];
  edges: Array<Array<[number, number]>> = []; // [digit mask, target]
  add(): number {
    this.eps.push([]);
    this.edges.push([]);
    return this.eps.length - 1;
  }
}

function build(nfa: Nfa, ast: Ast): [number, number] {
  switch (ast.k) {
    case 'set': {
      const s = nfa.add(),
        e = nfa.add();
      nfa.edges[s]!.push([ast.mask, e]);
      return [s, e];
    }
    case 'seq': {
      const s = nfa.add();
      let cur = s;
      for (const it of ast.items) {
        const [a, b] = build(nfa, it);
        nfa.eps[cur]!.push(a);
        cur = b;
      }
      return [s, cur];
    }
    case 'alt': {
      const s = nfa.add(),
        e = nfa.add();
      for (const al of ast.alts) {
        const [a, b] = build(nfa, al);
        nfa.eps[s]!.push(a);
        nfa.eps[b]!.push(e);
      }
      return [s, e];
    }
    case 'rep': {
      const s = nfa.add();
      let cur = s;
      for (let r = 0; r < ast.min; r++) {
        const [a, b] = build(nfa, ast.node);
        nfa.eps[cur]!.push(a);
        cur = b;
      }
      const e = nfa.add();
      if (ast.max === Infinity) {
        const [a, b] = build(nfa, ast.node);
        nfa.eps[cur]!.push(a, e);
        nfa.eps[b]!.push(a, e);
      } else {
        for (let r = ast.min; r < ast.max; r++) {
          const [a, b] = build(nfa, ast.node);
          nfa.eps[cur]!.push(a, e);
          cur = b;
        }
        nfa.eps[cur]!.push(e);
      }
      return [s, e];
    }
    case 'cap':
      return build(nfa, ast.node);
    case 'end':
      throw new Error('"$" is only supported at the end of a top-level alternative');
  }
}

/** A complete DFA over the digits 0-9. State 0 is the start; `dead` is the sink. */
export interface Dfa {
  trans: Int32Array; // state*10 + digit → state
  accept: Uint8Array;
  /** 1 when some accepted string is reachable (dead states can be pruned). */
  live: Uint8Array;
  dead: number;
  size: number;
}

/**
 * Compiles the concatenation of `parts` to a DFA. prefix=true accepts L·Σ* (a prefix match);
 * nonEmptyFirst=true removes the empty match of the first part (the strip prefix must consume a digit).
 */
export function astToDfa(ast: Ast | Ast[], prefix: boolean, nonEmptyFirst = false): Dfa {
  const parts = Array.isArray(ast) ? ast : [ast];
  const nfa = new Nfa();
  const [start0, end0] = build(nfa, parts[0]!);
  const firstHi = nfa.eps.length;
  let start = start0,
    end = end0;
  for (const p of parts.slice(1)) {
    const [a, b] = build(nfa, p);
    nfa.eps[end]!.push(a);
    end = b;
  }
  if (prefix) {
    const loop = nfa.add();
    nfa.edges[loop]!.push([ALL_DIGITS, loop]);
    nfa.eps[end]!.push(loop);
    end = loop;
  }
  const closure = (set: number[]): number[] => {
    const seen = new Set(set);
    const stack = [...set];
    while (stack.length) {
      const x = stack.pop()!;
      for (const y of nfa.eps[x]!)
        if (!seen.has(y)) {
          seen.add(y);
          stack.push(y);
        }
    }
    return [...seen].sort((a, b) => a - b);
  };
  const ids = new Map<string, number>();
  const sets: number[][] = [];
  const trans: number[] = [];
  const getId = (set: number[]): number => {
    const key = set.join(',');
    let id = ids.get(key);
    if (id === undefined) {
      id = sets.length;
      ids.set(key, id);
      sets.push(set);
    }
    return id;
  };
  if (nonEmptyFirst) {
    // new start: only the digit edges leaving the first part's start closure, within the first part
    const s1 = nfa.add();
    for (const x of closure([start0])) if (x < firstHi) for (const e of nfa.edges[x]!) nfa.edges[s1]!.push(e);
    start = s1;
  }
  getId(closure([start]));
  for (let q = 0; q < sets.length; q++) {
    const cur = sets[q]!;
    for (let d = 0; d < 10; d++) {
      const bit = 1 << d;
      const next: number[] = [];
      for (const x of cur) for (const [mask, t] of nfa.edges[x]!) if (mask & bit) next.push(t);
      trans[q * 10 + d] = getId(next.length ? closure(next) : []);
    }
  }
  const size = sets.length;
  const accept = new Uint8Array(size);
  for (let q = 0; q < size; q++) if (sets[q]!.includes(end)) accept[q] = 1;
  // liveness by backward fixpoint
  const live = new Uint8Array(size);
  for (let q = 0; q < size; q++) live[q] = accept[q]!;
  for (let changed = true; changed;) {
    changed = false;
    for (let q = 0; q < size; q++) {
      if (live[q]) continue;
      for (let d = 0; d < 10; d++)
        if (live[trans[q * 10 + d]!]) {
          live[q] = 1;
          changed = true;
          break;
        }
    }
  }
  const dead = ids.get('') ?? -1;
  return { trans: Int32Array.from(trans), accept, live, dead, size };
}

const dfaCache = new Map<string, Dfa>();

/** DFA for the full match `^(?:src)$` (prefix=false) or the prefix match `^(?:src)` (prefix=true). Cached. */
export function regexDfa(src: string, prefix = false): Dfa {
  const key = (prefix ? 'P:' : 'F:') + src;
  let d = dfaCache.get(key);
  if (!d) {
    d = astToDfa(parseRegex(src), prefix);
    dfaCache.set(key, d);
  }
  return d;
}
