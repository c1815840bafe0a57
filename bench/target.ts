/**
 * The benchmark's target: a small JSON endpoint on 127.0.0.1, run in its own process (forked by
 * bench/run.ts) so that its CPU is not counted against the prober. Reports its port over IPC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = Buffer.from(
  JSON.stringify({ status: 'ok', items: [{ id: 1, created_time: '2024-03-05T15:00:00Z', text: 'hello' }, { id: 2, created_time: '2024-03-05T14:59:00Z', text: 'world' }] }),
);

const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
