/** Session cookies as a browser keeps them (RFC 6265 through tough-cookie): expiry, path, domain, subdomains, Secure, SameSite, saved and restored. */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { cookieHeaderFor, loadCookieSupport, sameSite, storeInJar } from '../../src/journey/cookies.js';
import { loadSession, newSession, saveSession } from '../../src/journey/session.js';

const WWW = new URL('https://www.example.test/');
const u = (s: string) => new URL(s);

describe('session cookies', () => {
  // tough-cookie is loaded on demand (start-up): the first answer with a Set-Cookie does it in a run.
  beforeAll(loadCookieSupport);

  it('an expired cookie is neither kept nor sent; Max-Age=0 deletes', () => {
    const view = new Map<string, string>();
    expect(storeInJar(view, ['old=1; Expires=Wed, 01 Jan 2015 00:00:00 GMT', 's=abc; Max-Age=3600'], u('https://www.example.test/login'))).toEqual(['s']);
    expect([...view.keys()]).toEqual(['s']);
    expect(cookieHeaderFor(view, u('https://www.example.test/feed'), WWW)).toBe('s=abc');
    storeInJar(view, 's=; Max-Age=0', u('https://www.example.test/logout'));
    expect(view.has('s')).toBe(false);
    expect(cookieHeaderFor(view, u('https://www.example.test/feed'), WWW)).toBeUndefined();
  });

  it('two cookies of one name on different paths stay two, each sent on its path', () => {
    const view = new Map<string, string>();
    storeInJar(view, ['p=a; Path=/a', 'p=b; Path=/b'], u('https://www.example.test/'));
    expect(cookieHeaderFor(view, u('https://www.example.test/a/x'), WWW)).toBe('p=a');
    expect(cookieHeaderFor(view, u('https://www.example.test/b/x'), WWW)).toBe('p=b');
    expect(cookieHeaderFor(view, u('https://www.example.test/c'), WWW)).toBeUndefined();
  });

  it('a login on www. and a feed on api.: a Domain cookie is shared, a host-only one is not', () => {
    const view = new Map<string, string>();
    storeInJar(view, ['sid=s3cr3t; Domain=example.test; Path=/; Secure; HttpOnly', 'csrf=t0k; Path=/'], u('https://www.example.test/login'));
    expect(cookieHeaderFor(view, u('https://api.example.test/v1/feed'), WWW)).toBe('sid=s3cr3t');
    expect(cookieHeaderFor(view, u('https://www.example.test/home'), WWW)).toBe('sid=s3cr3t; csrf=t0k');
    // Another site never gets them, and cannot set one for this site.
    expect(cookieHeaderFor(view, u('https://example.other/'), WWW)).toBeUndefined();
    storeInJar(view, 'evil=1; Domain=other.test', u('https://www.example.test/'));
    expect(view.has('evil')).toBe(false);
  });

  it('Secure cookies go over https only (loopback excepted, as browsers do)', () => {
    const view = new Map<string, string>();
    storeInJar(view, 'sec=1; Secure', u('https://www.example.test/'));
    expect(cookieHeaderFor(view, u('http://www.example.test/'), WWW)).toBeUndefined();
    const local = new Map<string, string>();
    storeInJar(local, 'sec=1; Secure', u('http://127.0.0.1:8080/'));
    expect(cookieHeaderFor(local, u('http://127.0.0.1:8080/me'), u('http://127.0.0.1:8080/'))).toBe('sec=1');
  });

  it('SameSite as for a top-level navigation: Strict only within the site', () => {
    const view = new Map<string, string>();
    storeInJar(view, ['st=1; SameSite=Strict', 'lx=1; SameSite=Lax; Domain=example.test'], u('https://www.example.test/'));
    expect(cookieHeaderFor(view, u('https://www.example.test/'), WWW)).toBe('st=1; lx=1');
    // The same cookies, the request made for an endpoint of another site: Strict stays back.
    expect(cookieHeaderFor(view, u('https://www.example.test/'), u('https://example.other/'))).toBe('lx=1');
    expect(sameSite(u('https://api.example.test/'), WWW)).toBe(true);
    expect(sameSite(u('https://example.other/'), WWW)).toBe(false);
  });

  it('preset cookies (not from the jar) go to the endpoint origin only', () => {
    const view = new Map<string, string>([['preset', 'p1']]);
    expect(cookieHeaderFor(view, u('https://www.example.test/x'), WWW)).toBe('preset=p1');
    expect(cookieHeaderFor(view, u('https://api.example.test/x'), WWW)).toBeUndefined();
  });

  it('the sessions file keeps the jar: domains and paths survive a restart', async () => {
    const s = newSession(1);
    storeInJar(s.cookies, ['sid=abc; Domain=example.test; Path=/', 'p=a; Path=/a'], u('https://www.example.test/login'));
    const saved = JSON.parse(JSON.stringify(saveSession(s, 'id-1'))) as unknown;
    const back = (await loadSession(saved, 'id-1'))!;
    expect(back.cookies.get('sid')).toBe('abc');
    expect(cookieHeaderFor(back.cookies, u('https://api.example.test/feed'), WWW)).toBe('sid=abc');
    expect(cookieHeaderFor(back.cookies, u('https://www.example.test/a/1'), WWW)).toBe('p=a; sid=abc');
  });
});

describe('tough-cookie on demand', () => {
  // A fresh copy of the module, tough-cookie not yet loaded, as in a process that just started.
  const fresh = async () => {
    vi.resetModules();
    return import('../../src/journey/cookies.js');
  };

  it('an answer without Set-Cookie, and a request without a jar, need no tough-cookie', async () => {
    const c = await fresh();
    const view = new Map<string, string>([['preset', 'p1']]);
    await c.storeAnswerCookies(view, undefined, u('https://www.example.test/feed'), WWW);
    expect(c.cookieHeaderFor(view, u('https://www.example.test/feed'), WWW)).toBe('preset=p1');
    expect(c.sameSite(u('https://www.example.test/a'), WWW)).toBe(true);
    // Still not loaded: using it now is an error, not a silent "other site".
    expect(() => c.sameSite(u('https://api.example.test/'), WWW)).toThrow(/loadCookieSupport/);
  });

  it('the first Set-Cookie loads it and is stored; one from another site is not', async () => {
    const c = await fresh();
    const view = new Map<string, string>();
    await c.storeAnswerCookies(view, 'sid=abc; Domain=example.test', u('https://api.example.test/login'), WWW);
    expect(view.get('sid')).toBe('abc');
    await c.storeAnswerCookies(view, 'evil=1', u('https://example.other/'), WWW);
    expect(view.has('evil')).toBe(false);
    expect(c.cookieHeaderFor(view, u('https://www.example.test/'), WWW)).toBe('sid=abc');
  });
});
