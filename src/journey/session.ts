/**
 * An endpoint's session: the cookies and/or bearer token its checks share. Values never leave this
 * module except as request headers; what is shown elsewhere is only the session's age.
 */
export interface Session {
  cookies: Map<string, string>;
  token?: string;
  createdAt: number;
  /** A request carrying this session has succeeded at least once. */
  worked: boolean;
}

export function newSession(now: number): Session {
  return { cookies: new Map(), createdAt: now, worked: false };
}

/** Parse Set-Cookie headers into the jar (name=value; attributes are ignored, Max-Age=0 deletes). */
export function storeCookies(jar: Map<string, string>, setCookie: string | string[] | undefined): string[] {
  if (!setCookie) return [];
  const names: string[] = [];
  for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
    const first = line.split(';', 1)[0]!;
    const eq = first.indexOf('=');
    if (eq <= 0) continue;
    const name = first.slice(0, eq).trim();
    const value = first.slice(eq + 1).trim();
    const expired = /;\s*max-age=0\b/i.test(line) || /;\s*expires=Thu, 01 Jan 1970/i.test(line);
    if (expired || value === '' || value === 'deleted') jar.delete(name);
    else {
      jar.set(name, value);
      names.push(name);
    }
  }
  return names;
}

export function cookieHeader(jar: ReadonlyMap<string, string>): string | undefined {
  if (jar.size === 0) return undefined;
  let s = '';
  for (const [k, v] of jar) s += (s ? '; ' : '') + `${k}=${v}`;
  return s;
}

/** Every secret value a session holds, for redaction. */
export function sessionSecrets(s: Session | undefined): string[] {
  if (!s) return [];
  const out = [...s.cookies.values()];
  if (s.token) out.push(s.token);
  return out;
}
