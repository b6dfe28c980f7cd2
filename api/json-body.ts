/**
 * JSON request bodies are parsed from bytes, strictly: a body that is not UTF-8 is a 400 naming
 * the field (and the byte offset), not a spec whose text had U+FFFD put in silently (what a
 * string decode would do). Parsing itself is fastify's own (secure-json-parse, its prototype-
 * poisoning rules).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { firstInvalidUtf8 } from '../lib/utf8.ts';
import { errors } from './errors.ts';

const REPLACEMENT = '\ufffd';

/** Replaces fastify's `application/json` parser with the strict one. */
export function registerStrictJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (req: FastifyRequest, body: Buffer, done: (err: Error | null, value?: unknown) => void) => {
      const bad = firstInvalidUtf8(body);
      // secure-json-parse takes a Buffer (decoded as UTF-8); the typing says string only.
      if (bad < 0) return parse(req, body as unknown as string, done);
      done(
        errors.invalidRequest([
          { field: invalidField(body), reason: `not valid UTF-8 (byte offset ${bad} of the body); send UTF-8 text` },
        ]),
      );
    },
  );
}

/**
 * The field holding the first invalid bytes: the first string (value or key) that a lossy
 * decode turned into U+FFFD, as `body.a.0`. `body` when that cannot be told (the body already
 * held U+FFFD, or is not JSON even after the decode).
 */
function invalidField(body: Buffer): string {
  // EF BF BD is U+FFFD written in the body itself: then a replacement proves nothing.
  if (body.includes(Buffer.from(REPLACEMENT))) return 'body';
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return 'body';
  }
  return find(value, ['body']) ?? 'body';
}

/** Nesting searched for the field; a deeper one is reported as `body`. */
const MAX_DEPTH = 64;

/** The first string (key or value, in document order) holding U+FFFD, as a path; iterative. */
function find(root: unknown, path: string[]): string | null {
  const stack: Array<[unknown, string[]]> = [[root, path]];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes(REPLACEMENT)) return at.join('.');
      continue;
    }
    if (!v || typeof v !== 'object' || at.length > MAX_DEPTH) continue;
    const entries = Object.entries(v);
    for (const [k] of entries) if (k.includes(REPLACEMENT)) return [...at, k].join('.');
    // Pushed in reverse, so the first entry is looked at first.
    for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], [...at, entries[i]![0]]]);
  }
  return null;
}
