/**
 * An endpoint session's cookies as a browser keeps them (RFC 6265, through tough-cookie): domain
 * and path matching, expiry (Expires / Max-Age), `Secure`, `SameSite` as for a top-level
 * navigation, and cookies shared across the endpoint's subdomains when the platform sets them with
 * a `Domain` (a login on www., a feed on api.).
 *
 * The session's `cookies` map stays the name → value view the rest of the code reads (was the
 * session issued, secrets to redact); the jar beside it, found by that map, decides what is sent
 * where. Cookies put into the map directly (a preset in the config, a session saved before the
 * jar) are sent to the endpoint's own origin, as before.
 */
import { Cookie, CookieJar, getPublicSuffix } from 'tough-cookie';

const jars = new WeakMap<Map<string, string>, CookieJar>();

function newJar(): CookieJar {
  return new CookieJar(undefined, { looseMode: true, allowSecureOnLocal: true, rejectPublicSuffixes: true, allowSpecialUseDomain: true });
}

/** The jar of a session's cookie map (created on first use). */
export function jarOf(view: Map<string, string>): CookieJar {
  let jar = jars.get(view);
  if (!jar) {
    jar = newJar();
    jars.set(view, jar);
  }
  return jar;
}

/** The jar's cookies as its store holds them (the in-memory store answers synchronously). */
function allCookies(jar: CookieJar): Cookie[] {
  let out: Cookie[] = [];
  jar.store.getAllCookies((err, cookies) => {
    if (!err && cookies) out = cookies;
  });
  return out;
}

const alive = (c: Cookie, now: number): boolean => {
  const ttl = c.TTL(now);
  return ttl > 0 && c.value !== '';
};

/**
 * Store the Set-Cookie headers of an answer from `url`; the view follows (a name is present while
 * a live cookie of that name is in the jar). Returns the names stored.
 */
export function storeInJar(view: Map<string, string>, setCookie: string | string[] | undefined, url: URL, now = Date.now()): string[] {
  if (!setCookie) return [];
  const jar = jarOf(view);
  const touched = new Set<string>();
  for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
    const parsed = Cookie.parse(line, { loose: true });
    if (!parsed) continue;
    jar.setCookieSync(line, url.href, { ignoreError: true, now: new Date(now) });
    touched.add(parsed.key);
  }
  const names: string[] = [];
  const all = allCookies(jar);
  for (const name of touched) {
    const live = all.filter((c) => c.key === name && alive(c, now));
    const created = (c: Cookie): number => (c.creation instanceof Date ? c.creation.getTime() : 0);
    const last = live.sort((a, b) => created(a) - created(b)).at(-1);
    if (last) {
      view.set(name, last.value);
      names.push(name);
    } else view.delete(name);
  }
  return names;
}

/** Same registrable domain (or the same host, for an IP address or a single label). */
export function sameSite(a: URL, b: URL): boolean {
  if (a.hostname === b.hostname) return true;
  const sa = registrable(a.hostname);
  return sa !== undefined && sa === registrable(b.hostname);
}

/** example.com for www.example.com; undefined for a public suffix, an IP or a special-use name it refuses. */
function registrable(host: string): string | undefined {
  try {
    return getPublicSuffix(host, { allowSpecialUseDomain: true }) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The Cookie header for a top-level request to `url` made on behalf of an endpoint at `site`. */
export function cookieHeaderFor(view: Map<string, string>, url: URL, site: URL): string | undefined {
  const jar = jars.get(view);
  const parts: string[] = [];
  const inJar = new Set<string>();
  if (jar) {
    for (const c of allCookies(jar)) inJar.add(c.key);
    try {
      const s = jar.getCookieStringSync(url.href, { sameSiteContext: sameSite(url, site) ? 'strict' : 'lax' });
      if (s) parts.push(s);
    } catch {
      // a URL the jar cannot match: nothing from it
    }
  }
  // Cookies the jar does not know (a preset, an older saved session): the endpoint's own origin only.
  if (url.origin === site.origin) for (const [k, v] of view) if (!inJar.has(k)) parts.push(`${k}=${v}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** The jar as JSON data for the sessions file (undefined when there is none). */
export function serializeJar(view: Map<string, string>): unknown {
  const jar = jars.get(view);
  return jar ? jar.serializeSync() : undefined;
}

/** Put back a jar saved by serializeJar; its live cookies join the view. Malformed data is ignored. */
export function restoreJar(view: Map<string, string>, data: unknown, now = Date.now()): void {
  if (!data || typeof data !== 'object') return;
  try {
    const jar = CookieJar.deserializeSync(data as Parameters<typeof CookieJar.deserializeSync>[0]);
    jars.set(view, jar);
    for (const c of allCookies(jar)) if (alive(c, now)) view.set(c.key, c.value);
  } catch {
    // not a jar: the view alone is kept
  }
}
