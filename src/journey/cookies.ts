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
import type { Cookie, CookieJar } from 'tough-cookie';

type ToughCookie = typeof import('tough-cookie');
let toughCookie: ToughCookie | undefined;

/**
 * tough-cookie and its public-suffix list (~290 KB) are loaded the first time an answer sets a
 * cookie or a saved jar is restored, not at start-up: `run` reaches its first run sooner, and a
 * config whose endpoints set no cookies never loads them (docs/performance.md#where-the-start-up-goes).
 * Every jar exists only after this, so the synchronous functions below can rely on it.
 */
export async function loadCookieSupport(): Promise<void> {
  toughCookie ??= await import('tough-cookie');
}

function lib(): ToughCookie {
  if (!toughCookie) throw new Error('tough-cookie is not loaded: await loadCookieSupport() first');
  return toughCookie;
}

const jars = new WeakMap<Map<string, string>, CookieJar>();

function newJar(): CookieJar {
  return new (lib().CookieJar)(undefined, { looseMode: true, allowSecureOnLocal: true, rejectPublicSuffixes: true, allowSpecialUseDomain: true });
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
    const parsed = lib().Cookie.parse(line, { loose: true });
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

/**
 * An answer's Set-Cookie headers, from `url`, for an endpoint at `site`: stored when `url` is of
 * the endpoint's site (its subdomains included); a foreign host's never count as the session.
 */
export async function storeAnswerCookies(view: Map<string, string>, setCookie: string | string[] | undefined, url: URL, site: URL): Promise<void> {
  if (!setCookie) return;
  await loadCookieSupport();
  if (sameSite(url, site)) storeInJar(view, setCookie, url);
}

/** Same registrable domain (or the same host, for an IP address or a single label). */
export function sameSite(a: URL, b: URL): boolean {
  if (a.hostname === b.hostname) return true;
  const sa = registrable(a.hostname);
  return sa !== undefined && sa === registrable(b.hostname);
}

/** example.com for www.example.com; undefined for a public suffix, an IP or a special-use name it refuses. */
function registrable(host: string): string | undefined {
  const { getPublicSuffix } = lib(); // outside the try: not loaded is a bug, not a foreign domain
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
export async function restoreJar(view: Map<string, string>, data: unknown, now = Date.now()): Promise<void> {
  if (!data || typeof data !== 'object') return;
  await loadCookieSupport();
  try {
    const jar = lib().CookieJar.deserializeSync(data as Parameters<typeof CookieJar.deserializeSync>[0]);
    jars.set(view, jar);
    for (const c of allCookies(jar)) if (alive(c, now)) view.set(c.key, c.value);
  } catch {
    // not a jar: the view alone is kept
  }
}
