// Container health check: GET /healthz on the local daemon with Node itself (slim images have no
// curl). Exit 0 when it answers 2xx, 1 otherwise. The URL defaults to the default `listen`
// address; set OUTPOST_HEALTHCHECK_URL when the config listens elsewhere.
const url = process.env.OUTPOST_HEALTHCHECK_URL || 'http://127.0.0.1:9464/healthz';
const timeoutMs = Number(process.env.OUTPOST_HEALTHCHECK_TIMEOUT_MS) || 4000;

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  await response.body?.cancel();
  if (response.status >= 200 && response.status < 300) process.exit(0);
  console.error(`healthcheck: ${url} answered ${response.status}`);
} catch (error) {
  console.error(`healthcheck: ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
}
process.exit(1);
