import { createServer, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyAndCertificate } from './demo-hub.js';

/** What an agency's EDMS answers a push with, or `hang`: it takes the request and never answers. */
export type EndpointAnswer = { status: number; type: string; body: string } | 'hang';

export interface AgencyEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * An agency EDMS's HTTPS endpoint: its server certificate from the hub CA, the hub's client certificate
 * required (mutual TLS, as the hub's delivery worker presents it).
 */
export async function startAgencyEndpoint(
  identity: KeyAndCertificate,
  caPem: string,
  path: string,
  answer: (body: Buffer) => Promise<EndpointAnswer>,
): Promise<AgencyEndpoint> {
  // Requests left hanging are cut when the demo ends (the hub gave up on them after its timeout).
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer(
    {
      key: identity.privateKeyPem,
      cert: identity.certificatePem,
      ca: caPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        answer(Buffer.concat(chunks))
          .then((reply) => {
            if (reply === 'hang') {
              hanging.add(res);
              res.on('close', () => hanging.delete(res));
              return;
            }
            res.writeHead(reply.status, { 'Content-Type': reply.type }).end(reply.body);
          })
          .catch((error: unknown) => {
            res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(error));
          });
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
