import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { issueFromCsr } from '../../gateway/pki/certificate-issuer.js';
import { createCsr } from '../../gateway/pki/csr.js';
import { receiptFor } from '../../test/support/receipt-envelopes.js';
import type { TestParticipant } from '../../test/intake/fixtures/intake-hub.js';

export interface AgencyEndpoint {
  readonly url: string;
  /** When each message first arrived (performance.now()), by message id. */
  readonly firstSeen: Map<string, number>;
  /** Deliveries of a message already seen (the hub must make none). */
  readonly duplicates: number;
  /** Resolves once `count` distinct messages have arrived. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

const MESSAGE_ID = /<MessageId>([^<]+)<\/MessageId>/;

/**
 * An agency EDMS endpoint for the benchmark: HTTPS with the hub CA's client certificate required, a signed
 * `delivered` receipt for every message (answered again, as a real EDMS would, for a repeated Idempotency-Key).
 */
export async function startAgencyEndpoint(agency: TestParticipant, dataDir: string): Promise<AgencyEndpoint> {
  const firstSeen = new Map<string, number>();
  let duplicates = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  // The endpoint's server certificate, issued by the hub CA for 127.0.0.1 (the hub checks the host name).
  const caPem = readFileSync(join(dataDir, 'pki', 'ca.pem'), 'utf8');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const issued = await issueFromCsr(
    { certificatePem: caPem, privateKeyPem: readFileSync(join(dataDir, 'pki', 'ca.key'), 'utf8') },
    await createCsr({ privateKeyPem: keyPem, commonName: `edms.${agency.code}.test` }),
    { participantCode: agency.code, usage: 'tls', validityDays: 2, hostnames: ['127.0.0.1'] },
  );
  const server = createServer(
    {
      key: keyPem,
      cert: issued.certificatePem,
      ca: caPem,
      requestCert: true,
      rejectUnauthorized: true,
      keepAliveTimeout: 60_000,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = performance.now();
        const body = Buffer.concat(chunks).toString('utf8');
        const messageId = MESSAGE_ID.exec(body)?.[1]?.toLowerCase();
        if (messageId === undefined || req.headers['idempotency-key'] !== messageId) {
          res.writeHead(400).end();
          return;
        }
        if (firstSeen.has(messageId)) duplicates += 1;
        else firstSeen.set(messageId, at);
        for (const waiter of waiters) if (firstSeen.size >= waiter.count) waiter.resolve();
        res
          .writeHead(200, { 'content-type': 'application/xml' })
          .end(agency.signEnvelope(receiptFor(agency.code, messageId)));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/edms/inbox`,
    firstSeen,
    get duplicates() {
      return duplicates;
    },
    waitFor: (count) =>
      firstSeen.size >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
