/**
 * An agency EDMS's HTTPS endpoint as a hub delivers to it: a TLS certificate issued by the running hub's CA
 * (127.0.0.1 as subjectAltName), and the hub's client certificate required and checked against that CA, as a
 * real agency would. Each request is answered by the test's `answer` and kept with that answer.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { issueFromCsr } from '../../gateway/pki/certificate-issuer.js';
import { createCsr } from '../../gateway/pki/csr.js';

/** What the hub sent. */
export interface AgencyRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** What the endpoint answers: `status` 200 and no Content-Type unless given. */
export interface AgencyAnswer {
  readonly status?: number;
  readonly contentType?: string;
  readonly body: string;
}

export interface AgencyExchange extends AgencyRequest {
  /** Whether the client certificate the hub presented chains to the hub CA. */
  readonly authorizedClient: boolean;
  readonly answer: AgencyAnswer;
}

export interface AgencyEndpoint {
  readonly server: Server;
  /** `https://127.0.0.1:<port><path>`: what to register as the participant's endpoint. */
  readonly url: string;
  /** Every request in arrival order; tests empty it (`length = 0`) between cases. */
  readonly exchanges: AgencyExchange[];
  close(): Promise<void>;
}

export interface AgencyEndpointOptions {
  /** The path part of `url` (default none). */
  readonly path?: string;
  /** The server certificate's common name (default `edms.<code>.test`). */
  readonly commonName?: string;
}

/** Starts the endpoint of participant `code` on an ephemeral port, trusting the CA in the hub's `dataDir`. */
export async function startAgencyEndpoint(
  hub: { readonly dataDir: string },
  code: string,
  answer: (request: AgencyRequest) => AgencyAnswer,
  options: AgencyEndpointOptions = {},
): Promise<AgencyEndpoint> {
  const caPem = readFileSync(join(hub.dataDir, 'pki', 'ca.pem'), 'utf8');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const issued = await issueFromCsr(
    { certificatePem: caPem, privateKeyPem: readFileSync(join(hub.dataDir, 'pki', 'ca.key'), 'utf8') },
    await createCsr({ privateKeyPem: keyPem, commonName: options.commonName ?? `edms.${code}.test` }),
    { participantCode: code, usage: 'tls', validityDays: 30, hostnames: ['127.0.0.1'] },
  );
  const exchanges: AgencyExchange[] = [];
  const server = createServer(
    { key: keyPem, cert: issued.certificatePem, ca: caPem, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { headers: req.headers, body: Buffer.concat(chunks) };
        const reply = answer(request);
        exchanges.push({ ...request, authorizedClient: (req.socket as TLSSocket).authorized, answer: reply });
        const headers = reply.contentType === undefined ? {} : { 'Content-Type': reply.contentType };
        res.writeHead(reply.status ?? 200, headers).end(reply.body);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `https://127.0.0.1:${port}${options.path ?? ''}`,
    exchanges,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
