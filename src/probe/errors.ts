/** Transport errors → SPEC reasons, by `code` / `cause.code` (never by parsing messages). */
import type { Reason } from '../reasons.js';

const BY_CODE: Record<string, Reason> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
  EAI_FAIL: 'dns',
  ECONNREFUSED: 'connect_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  UND_ERR_CLOSED: 'connection_reset',
  HPE_INVALID_CONSTANT: 'connection_reset',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_ABORTED: 'timeout',
  ABORT_ERR: 'timeout',
  UND_ERR_HEADERS_OVERFLOW: 'body_too_large',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'body_too_large',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'connection_reset',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'internal',
  HPE_HEADER_OVERFLOW: 'body_too_large',
  ENETUNREACH: 'connect_refused',
  EHOSTUNREACH: 'connect_refused',
  EADDRNOTAVAIL: 'connect_refused',
};

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|ERR_OSSL_|EPROTO$)/;

export function reasonForError(err: unknown): Reason {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      const r = BY_CODE[code];
      if (r) return r;
      if (TLS_CODES.test(code)) return 'tls';
      if (code.startsWith('HPE_')) return 'invalid_response';
    }
    const name = (e as { name?: unknown }).name;
    if (name === 'AbortError' || name === 'TimeoutError') return 'timeout';
  }
  return 'internal';
}
