/** `{{variable}}` templates (src/journey/template.ts): compiled once, rendered per request. */
import { describe, expect, it } from 'vitest';
import { compileForm, compileJson, compileText, renderText, templateVariables } from '../../src/journey/template.js';

describe('templates', () => {
  it('text: variables replaced, spaces inside braces allowed, a missing variable renders empty', () => {
    const t = compileText('/users/{{ user_id }}/feed?after={{cursor}}&x={{missing}}');
    expect(renderText(t, { user_id: '42', cursor: 'abc' })).toBe('/users/42/feed?after=abc&x=');
    expect(templateVariables(t)).toEqual(['user_id', 'cursor', 'missing']);
  });

  it('text without variables renders as written; braces that are not a variable stay', () => {
    expect(renderText(compileText('{"a": {{ 1 }}}'), {})).toBe('{"a": {{ 1 }}}');
    expect(templateVariables(compileText('plain'))).toEqual([]);
  });

  it('JSON: a substituted value is JSON-encoded, so quotes and backslashes cannot break the body', () => {
    const t = compileJson({ user: '{{username}}', pass: '{{password}}', n: 3, nested: ['{{username}}', true, null] });
    const body = renderText(t, { username: 'a"b', password: 'p\\w\n' });
    expect(JSON.parse(body)).toEqual({ user: 'a"b', pass: 'p\\w\n', n: 3, nested: ['a"b', true, null] });
    expect(templateVariables(t).sort()).toEqual(['password', 'username', 'username']);
  });

  it('form: values rendered, then URL-encoded', () => {
    const t = compileForm({ email: '{{username}}', pass: '{{password}}' });
    expect(renderText(t, { username: 'seller@example.test', password: 'a&b=c d' })).toBe('email=seller%40example.test&pass=a%26b%3Dc+d');
    expect(templateVariables(t)).toEqual(['username', 'password']);
  });
});
