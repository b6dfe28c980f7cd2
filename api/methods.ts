/**
 * 405 Method Not Allowed, with `Allow` (RFC 9110 §15.5.6), for a path that has routes but none
 * for the request's method: fastify's router answers both cases with its not-found handler. A
 * second find-my-way router (fastify's own router library, so the same path syntax and
 * trailing-slash rule) holds each route path once, its store the set of the path's methods.
 */
import FindMyWay from 'find-my-way';

export class RouteMethods {
  private readonly router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 200 });
  private readonly methods = new Map<string, Set<string>>();

  /** Records a route (fastify's onRoute hook: `url` as declared, one method or several). */
  add(url: string, method: string | string[]): void {
    let set = this.methods.get(url);
    if (!set) {
      set = new Set();
      this.methods.set(url, set);
      this.router.on('GET', url, () => {}, set);
    }
    for (const m of Array.isArray(method) ? method : [method]) set.add(m.toUpperCase());
  }

  /** The methods routed at `path` (a concrete path, no query string), sorted; null when none. */
  allowed(path: string): string[] | null {
    const found = this.router.find('GET', path);
    return found ? [...(found.store as Set<string>)].sort() : null;
  }
}
