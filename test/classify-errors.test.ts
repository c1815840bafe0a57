/** Transport error codes → SPEC reasons (by code, through `cause` chains). */
import { describe, expect, it } from 'vitest';
import { reasonForError } from '../src/classify.js';

const err = (code: string, cause?: unknown) => Object.assign(new Error('x'), { code, cause });

describe('reasonForError', () => {
  const table: [string, string][] = [
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ECONNREFUSED', 'connect_refused'],
    ['ECONNRESET', 'connection_reset'],
    ['EPIPE', 'connection_reset'],
    ['UND_ERR_SOCKET', 'connection_reset'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
    ['ETIMEDOUT', 'timeout'],
    ['UND_ERR_HEADERS_OVERFLOW', 'body_too_large'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['HPE_INVALID_HEADER_TOKEN', 'invalid_response'],
  ];
  for (const [code, reason] of table) it(`${code} → ${reason}`, () => expect(reasonForError(err(code))).toBe(reason));

  it('looks through causes', () => {
    expect(reasonForError(Object.assign(new TypeError('fetch failed'), { cause: err('ECONNREFUSED') }))).toBe('connect_refused');
    expect(reasonForError(err('UND_ERR_UNKNOWN_THING', err('CERT_HAS_EXPIRED')))).toBe('tls');
  });

  it('aborts are timeouts', () => {
    expect(reasonForError(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe('timeout');
  });

  it('anything unknown is internal (a bug of ours, never a platform failure)', () => {
    expect(reasonForError(new TypeError('cannot read properties of undefined'))).toBe('internal');
    expect(reasonForError(undefined)).toBe('internal');
    expect(reasonForError('a string')).toBe('internal');
  });
});
