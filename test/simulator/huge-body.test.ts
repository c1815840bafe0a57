import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { streamHugeBody, type StreamOutcome } from '../../src/simulator/disruptions.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

it('stops streaming as soon as the client goes away', async () => {
  const total = 512 * 1024 * 1024;
  let outcome!: Promise<StreamOutcome>;
  server = createServer((_req, res) => {
    outcome = streamHugeBody(res, total);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const controller = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}/`, { signal: controller.signal });
  const reader = res.body!.getReader();
  let received = 0;
  while (received < 256 * 1024) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
  }
  controller.abort();
  const result = await outcome;
  expect(result.complete).toBe(false);
  expect(result.written).toBeGreaterThanOrEqual(received);
  expect(result.written).toBeLessThan(total);
});
