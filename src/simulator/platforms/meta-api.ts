/**
 * What Instagram's private API (which Threads runs on too) answers when a login is not granted:
 * 400 `bad_password` for a refused login, 400 `challenge_required` for a checkpoint.
 */
import { json, type Reply } from '../reply.js';
import type { LoginOutcome } from './context.js';

/** The refusal or checkpoint answer for a login that was not granted. */
export function loginNotGranted(outcome: Exclude<LoginOutcome, { kind: 'ok' }>, platform: string, extra: Record<string, unknown> = {}): Reply {
  if (outcome.kind === 'refused') {
    return json(400, {
      message: 'The password you entered is incorrect. Please try again.',
      invalid_credentials: true,
      ...extra,
      status: 'fail',
      error_type: 'bad_password',
    });
  }
  return json(400, {
    message: 'challenge_required',
    challenge: { url: `/${platform}/challenge/`, api_path: '/challenge/', lock: true, logout: false },
    status: 'fail',
    error_type: 'checkpoint_challenge_required',
  });
}
