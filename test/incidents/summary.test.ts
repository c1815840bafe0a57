/** Reasons in order and the story they tell. */
import { describe, expect, it } from 'vitest';
import { checkSummary, groupSummary, mergeReasons, multiSummary, story } from '../../src/incidents/summary.js';

describe('mergeReasons', () => {
  it('keeps each reason once, in the order it first appeared', () => {
    expect(mergeReasons(['feed_stale'], ['timeout', 'feed_stale'], ['http_5xx'])).toEqual(['feed_stale', 'timeout', 'http_5xx']);
  });
  it('puts a forced logout before the refused logins it leads to, whichever check met which first', () => {
    expect(mergeReasons(['login_rejected'], ['forced_logout', 'login_rejected'])).toEqual(['forced_logout', 'login_rejected']);
    expect(mergeReasons(['error_page', 'login_challenge', 'forced_logout'])).toEqual(['error_page', 'forced_logout', 'login_challenge']);
  });
});

describe('story', () => {
  it('tells the 5 March sentence', () => {
    expect(story(['forced_logout', 'login_rejected'])).toBe('users are logged out and cannot log back in');
    expect(story(['forced_logout', 'login_challenge'])).toBe('users are logged out and asked to verify their identity to log back in');
  });
  it('otherwise the cause, then what followed', () => {
    expect(story(['feed_stale'])).toBe('feed loads but returns nothing new');
    expect(story(['timeout', 'http_5xx'])).toBe('timed out, then server error (HTTP 5xx)');
  });
  it('in each scope\'s summary', () => {
    expect(checkSummary('facebook', 'web', ['forced_logout', 'login_rejected'])).toBe('facebook/web: users are logged out and cannot log back in');
    expect(groupSummary('facebook', 2, 3, ['forced_logout'])).toBe('facebook: session rejected, users are being logged out (2 of 3 checks down)');
    expect(multiSummary([{ name: 'facebook', reasons: ['forced_logout', 'login_rejected'] }, { name: 'threads', reasons: ['error_page'] }])).toBe(
      '2 platforms down at once: facebook (users are logged out and cannot log back in), threads (answers 200 with an error page)',
    );
  });
});
