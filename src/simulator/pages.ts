/** The HTML pages the simulated platforms serve. */

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n${body}\n</body></html>\n`;
}

function escapeAttr(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** Facebook's login form (`email`, `pass`), posting to `/facebook/login.php`; with the error box when refused. */
export function facebookLoginPage(error?: string, next?: string): string {
  const notice = error === undefined ? '' : `<div role="alert" id="error_box" class="login-error">${error}</div>\n`;
  const action = `/facebook/login.php?login_attempt=1${next === undefined ? '' : `&next=${encodeURIComponent(next)}`}`;
  return page(
    'Log in to Facebook',
    `<h1>Log in to Facebook</h1>\n${notice}<form id="login_form" method="post" action="${escapeAttr(action)}">\n` +
      `<input type="hidden" name="lsd" value="AVqSimLsd">\n` +
      `<input type="text" name="email" id="email" placeholder="Email address or phone number">\n` +
      `<input type="password" name="pass" id="pass" placeholder="Password">\n<button type="submit" name="login">Log in</button>\n</form>`,
  );
}

export const FACEBOOK_BAD_PASSWORD = "The password that you've entered is incorrect. Forgotten password?";
export const FACEBOOK_BAD_CODE =
  "The login code you entered doesn't match the one sent to your phone. Please check the number and try again.";

/** The two-factor checkpoint: a code form (`approvals_code`) that the simulator never accepts. */
export function facebookCheckpointPage(next?: string, error?: string): string {
  const notice = error === undefined ? '' : `<div role="alert" id="error_box">${error}</div>\n`;
  const action = `/facebook/checkpoint/${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`;
  return page(
    'Confirm your identity',
    `<h1>Confirm your identity</h1>\n${notice}` +
      '<p>Two-factor authentication required. Enter the 6-digit code from your authentication app.</p>\n' +
      `<form method="post" action="${escapeAttr(action)}">\n<input type="hidden" name="nh" value="simNh">\n` +
      '<input type="text" name="approvals_code" id="approvals_code" autocomplete="one-time-code" maxlength="6">\n' +
      '<button type="submit" name="submit[Submit Code]">Continue</button>\n</form>',
  );
}

export function facebookHomePage(name: string): string {
  return page('Facebook', `<h1>News Feed</h1>\n<p>Welcome back, ${name}.</p>`);
}

export function errorPage(platform: string): string {
  return page(
    'Something went wrong',
    `<div class="${platform}-error">\n<h1>Something went wrong</h1>\n<p>Sorry, something went wrong. Please try again later.</p>\n</div>`,
  );
}
