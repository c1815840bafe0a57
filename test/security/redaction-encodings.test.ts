/** A secret is redacted however a message carries it: as written, URL-encoded, form-encoded or JSON-escaped. */
import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/redact.js';

const secret = 'p@ss w/rd&"ü+1';
const forms: [string, string][] = [
  ['as written', secret],
  ['URL-encoded', encodeURIComponent(secret)],
  ['URL-encoded, lower-case hex', encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())],
  ['form-encoded (+ for a space)', new URLSearchParams({ x: secret }).toString().slice(2)],
  ['URL-encoded with + for a space', encodeURIComponent(secret).replace(/%20/g, '+')],
  ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
  ['JSON-escaped, ASCII only', JSON.stringify(secret).slice(1, -1).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)],
];

describe('redaction of encoded secrets', () => {
  it.each(forms)('configured secret, %s', (_how, form) => {
    const r = createRedactor([secret]);
    const out = r.text(`request failed: body=password=${form}&x=1`);
    expect(out).not.toContain(form);
    expect(out).toContain('[REDACTED]');
  });

  it.each(forms)('session secret learnt at run time, %s', (_how, form) => {
    const r = createRedactor();
    r.add([secret]);
    expect(r.text(`{"token":"${form}"}`)).toBe('{"token":"[REDACTED]"}');
  });

  it('after a reload too', () => {
    const r = createRedactor(['old-secret']);
    r.setConfigured([secret]);
    expect(r.text(encodeURIComponent(secret))).toBe('[REDACTED]');
  });
});
