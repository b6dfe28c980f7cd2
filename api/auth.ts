/**
 * Authentication: every route and WebSocket is authenticated unless its route config says
 * `public: true`. The hook runs in `onRequest`, which for WebSocket routes is before the
 * upgrade, so a bad token gets a plain HTTP 401 and the client never sees `open` (O8).
 *
 * Token forms:
 *  - `Authorization: Bearer <token>` (REST, and WebSocket clients that can set headers);
 *  - WebSocket subprotocol `phonebatch.token.<token>` (browsers cannot set headers). Offer it
 *    together with `phonebatch.v1`, which the server selects, so the token is never echoed.
 * Tokens never reach logs: fastify's request serializer logs no headers, and errors name the
 * header, not its value.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { Projects, TokenIdentity } from '../batches/projects.ts';
import { errors } from './errors.ts';

export const WS_PROTOCOL = 'phonebatch.v1';
export const WS_TOKEN_PROTOCOL_PREFIX = 'phonebatch.token.';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's identity; set for every non-public route. */
    auth: TokenIdentity | null;
  }
  interface FastifyContextConfig {
    /** No token needed (health, metrics, OpenAPI). */
    public?: boolean;
  }
}

/** The token a request carries, or null. Only upgrade requests may use the subprotocol form. */
function extractToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m ? m[1]! : null;
  }
  const proto = req.headers['sec-websocket-protocol'];
  if (typeof proto === 'string' && req.headers.upgrade?.toLowerCase() === 'websocket') {
    for (const p of proto.split(',')) {
      const t = p.trim();
      if (t.startsWith(WS_TOKEN_PROTOCOL_PREFIX)) return t.slice(WS_TOKEN_PROTOCOL_PREFIX.length);
    }
  }
  return null;
}

/**
 * ws `handleProtocols`: select `phonebatch.v1` when offered (never the token protocol, so the
 * token is not sent back); otherwise the first non-token protocol; otherwise none.
 */
export function selectProtocol(protocols: Set<string>): string | false {
  if (protocols.has(WS_PROTOCOL)) return WS_PROTOCOL;
  for (const p of protocols) if (!p.startsWith(WS_TOKEN_PROTOCOL_PREFIX)) return p;
  return false;
}

const keyOf = (token: string) => createHash('sha256').update(token).digest('base64');

/**
 * Counts failed authentications per client address in fixed one-minute windows. Bounded: at
 * most `maxAddresses` are tracked; when full, the oldest window is dropped first.
 */
export class AuthFailures {
  private readonly byAddress = new Map<string, { start: number; failures: number }>();
  constructor(
    readonly perMinute: number,
    private readonly maxAddresses = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `address` may try again, or 0 when it is within its budget. */
  blockedFor(address: string): number {
    const w = this.byAddress.get(address);
    const t = this.now();
    if (!w || t - w.start >= 60_000 || w.failures < this.perMinute) return 0;
    return Math.ceil((w.start + 60_000 - t) / 1000);
  }

  /** Takes back one failure of `address` (an attempt reserved with {@link add} that succeeded). */
  refund(address: string): void {
    const w = this.byAddress.get(address);
    if (w && w.failures > 0) w.failures--;
  }

  /** Records one failed authentication from `address`. */
  add(address: string): void {
    const t = this.now();
    let w = this.byAddress.get(address);
    if (!w || t - w.start >= 60_000) {
      this.byAddress.delete(address);
      if (this.byAddress.size >= this.maxAddresses) this.byAddress.delete(this.byAddress.keys().next().value!);
      w = { start: t, failures: 0 };
      this.byAddress.set(address, w);
    }
    w.failures++;
  }
}

/**
 * Resolves tokens with a short cache (keyed by the token's hash, so no plaintext is kept):
 * 1,000 WebSocket clients reconnecting cost one query each per TTL, not one per connection.
 * A revoked token stops working within `ttlMs`.
 */
export class TokenResolver {
  private cache = new Map<string, { id: TokenIdentity | null; until: number }>();
  private pending = new Map<string, Promise<TokenIdentity | null>>();
  constructor(
    private projects: Projects,
    private ttlMs = 30_000,
    private negativeTtlMs = 5_000,
    private maxEntries = 10_000,
  ) {}

  /** The cached identity of a token this resolver already knows to be good, or null (no lookup). */
  cached(token: string): TokenIdentity | null {
    const hit = this.cache.get(keyOf(token));
    return hit && hit.until > Date.now() ? hit.id : null;
  }

  /**
   * The lookup of `token` already in flight, or null: concurrent requests with one new token
   * (a client opening 100 sockets at once) share one database lookup.
   */
  inFlight(token: string): Promise<TokenIdentity | null> | null {
    return this.pending.get(keyOf(token)) ?? null;
  }

  async resolve(token: string): Promise<TokenIdentity | null> {
    const key = keyOf(token);
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.id;
    let lookup = this.pending.get(key);
    if (!lookup) {
      lookup = this.projects.resolveToken(token).finally(() => this.pending.delete(key));
      this.pending.set(key, lookup);
    }
    const id = await lookup;
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(key, { id, until: now + (id ? this.ttlMs : this.negativeTtlMs) });
    return id;
  }

  clear(): void {
    this.cache.clear();
  }
}

/**
 * Registers the authentication hook on `app` (not encapsulated: call on the root instance).
 * An address past its failed-authentication budget gets 429 `rate_limited` without a token
 * lookup, unless its token is one the resolver already holds as good (a shared address keeps
 * working for clients that authenticated before).
 */
export function registerAuth(app: FastifyInstance, resolver: TokenResolver, failures: AuthFailures): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (req) => {
    // Public routes, and paths with no route (answered 404 or 405 before this hook, api/server.ts).
    if (req.routeOptions.config?.public || req.routeOptions.url === undefined) return;
    const token = extractToken(req);
    const known = token ? resolver.cached(token) : null;
    if (known) {
      req.auth = known;
      return;
    }
    // The same token's lookup is already running (it was counted once): share its answer.
    const shared = token ? resolver.inFlight(token) : null;
    if (shared) {
      const id = await shared;
      if (!id) throw errors.unauthorized();
      req.auth = id;
      return;
    }
    const wait = failures.blockedFor(req.ip);
    if (wait > 0) throw errors.authRateLimited(wait);
    // Counted as a failure before the lookup, refunded if it succeeds: concurrent guesses from
    // one address cannot all slip under the budget while their lookups are in flight.
    failures.add(req.ip);
    const id = token ? await resolver.resolve(token) : null;
    if (!id) throw errors.unauthorized();
    failures.refund(req.ip);
    req.auth = id;
  });
}
