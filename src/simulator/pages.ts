/** The HTML pages the simulated platforms serve. */

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n${body}\n</body></html>\n`;
}

export function facebookLoginPage(error?: string): string {
  const notice = error === undefined ? '' : `<div role="alert" class="login-error">${error}</div>\n`;
  return page(
    'Log in to Facebook',
    `<h1>Log in to Facebook</h1>\n${notice}<form method="post" action="/facebook/login">\n` +
      `<input type="text" name="email" placeholder="Email address or phone number">\n` +
      `<input type="password" name="pass" placeholder="Password">\n<button type="submit" name="login">Log in</button>\n</form>`,
  );
}

export const FACEBOOK_BAD_PASSWORD = "The password that you've entered is incorrect.";

export function facebookCheckpointPage(): string {
  return page(
    'Confirm your identity',
    '<h1>Confirm your identity</h1>\n<p>We noticed unusual activity. To keep your account secure, confirm that this is you.</p>',
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
