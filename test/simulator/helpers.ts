/** Shared helpers for the simulator tests: start/stop, a fake clock, per-platform logins. */
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';

/** Every request in these tests is bounded. */
export const REQUEST_TIMEOUT_MS = 5000;

export function req(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init });
}

export function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return req(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...init });
}

export function fakeClock(start = Date.UTC(2024, 2, 5, 15, 0, 0)) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

export function start(opts: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ latencyMs: [0, 0], ...opts });
}

/** Logs in to Facebook with a form post to /login.php; returns the `fb_session=…` cookie pair. */
export async function loginFacebook(sim: Simulator, i = 0): Promise<string> {
  const account = sim.accounts.facebook[i]!;
  const res = await req(`${sim.baseUrl('facebook')}/login.php`, {
    method: 'POST',
    body: new URLSearchParams({ email: account.username, pass: account.password }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('fb_session='));
  if (res.status !== 302 || cookie === undefined) throw new Error(`facebook login failed: ${res.status}`);
  return cookie.split(';')[0]!;
}

export async function loginInstagram(sim: Simulator, i = 0): Promise<string> {
  const account = sim.accounts.instagram[i]!;
  const res = await postJson(`${sim.baseUrl('instagram')}/api/v1/accounts/login`, {
    username: account.username,
    password: account.password,
  });
  const body = (await res.json()) as { token?: string };
  if (res.status !== 200 || body.token === undefined) throw new Error(`instagram login failed: ${res.status}`);
  return body.token;
}

export async function loginThreads(sim: Simulator, i = 0): Promise<string> {
  const account = sim.accounts.threads[i]!;
  const res = await postJson(`${sim.baseUrl('threads')}/api/login`, { username: account.username, password: account.password });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || body.access_token === undefined) throw new Error(`threads login failed: ${res.status}`);
  return body.access_token;
}

export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
