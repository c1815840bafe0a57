/**
 * A small webhook receiver for the demo: verifies the signature, pretty-prints every notification
 * and remembers them (the demo's tests read them back).
 */
import http from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotification {
  event: string;
  deliveryId: string;
  signatureValid: boolean | null;
  body: {
    incident?: { scope?: string; summary?: string; reason?: string; id?: string; groups?: string[]; impact?: { unit: string; perMinute: number; estimated: number } | null };
  } & Record<string, unknown>;
}

export interface WebhookSink {
  url: string;
  received: ReceivedNotification[];
  close(): Promise<void>;
}

function verifySignature(secret: string, raw: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(raw).digest('hex'));
  const got = Buffer.from(header.slice(7));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export async function startWebhookSink(opts: { host?: string; port?: number; secret?: string; print?: (n: ReceivedNotification) => void }): Promise<WebhookSink> {
  const received: ReceivedNotification[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1024 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: ReceivedNotification['body'] = {};
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      const n: ReceivedNotification = {
        event: String(req.headers['x-outpost-event'] ?? ''),
        deliveryId: String(req.headers['x-outpost-delivery'] ?? ''),
        signatureValid: opts.secret ? verifySignature(opts.secret, raw, req.headers['x-outpost-signature-256'] as string | undefined) : null,
        body,
      };
      received.push(n);
      opts.print?.(n);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
