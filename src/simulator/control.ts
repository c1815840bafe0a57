/** The control API under /_sim: read, replace and clear faults at run time; a health check. */
import type { IncomingMessage } from 'node:http';
import { isPlatform, unknownPlatformMessage, validateFaults } from './faults.js';
import { json, readBody, type Reply } from './reply.js';
import type { Fault, Platform } from './types.js';

export interface FaultControl {
  faults(): Record<Platform, Fault[]>;
  setFaults(platform: Platform, faults: Fault[]): void;
  clearFaults(): void;
}

function badRequest(errors: string[]): Reply {
  return json(400, { error: 'bad_request', message: errors.join('; '), errors });
}

function methodNotAllowed(allow: string): Reply {
  return json(405, { error: 'method_not_allowed', allow }, { allow });
}

async function postFaults(req: IncomingMessage, control: FaultControl): Promise<Reply> {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    return badRequest(['body: must be JSON like {"platform":"facebook","faults":[{"type":"forced_logout"}]}']);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return badRequest(['body: must be an object with "platform" and "faults"']);
  }
  const { platform, faults } = body as { platform?: unknown; faults?: unknown };
  if (!isPlatform(platform)) return badRequest([`platform: ${unknownPlatformMessage(platform)}`]);
  const result = validateFaults(faults);
  if (!result.ok) return badRequest(result.errors);
  control.setFaults(platform, result.faults);
  return json(200, { platform, faults: control.faults()[platform] });
}

export async function handleControl(req: IncomingMessage, path: string, control: FaultControl): Promise<Reply> {
  const method = req.method ?? 'GET';
  if (path === '/_sim/healthz') {
    return method === 'GET' || method === 'HEAD' ? json(200, { status: 'ok' }) : methodNotAllowed('GET');
  }
  if (path === '/_sim/faults') {
    if (method === 'GET') return json(200, control.faults());
    if (method === 'POST') return postFaults(req, control);
    if (method === 'DELETE') {
      control.clearFaults();
      return json(200, control.faults());
    }
    return methodNotAllowed('GET, POST, DELETE');
  }
  return json(404, { error: 'not_found', path });
}
