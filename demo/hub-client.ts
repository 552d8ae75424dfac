import { Agent, request } from 'node:https';

export interface HubReply {
  readonly status: number;
  readonly body: string;
}

/** A participant's TLS identity: its certificate and key, as the hub CA issued them. */
export interface ClientIdentity {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/**
 * A participant's connection to the hub: `POST /v1/messages` over mutual TLS with its client certificate,
 * trusting only the hub CA, on kept-alive connections (one TLS handshake per socket, not per message).
 */
export class HubClient {
  private readonly agent: Agent;

  constructor(
    private readonly hubUrl: string,
    caPem: string,
    identity: ClientIdentity,
  ) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 16,
      ca: caPem,
      cert: identity.certificatePem,
      key: identity.privateKeyPem,
    });
  }

  post(body: string | Buffer, contentType: string): Promise<HubReply> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.hubUrl}/v1/messages`,
        { method: 'POST', agent: this.agent, headers: { 'content-type': contentType } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The catalogue code of a refusal (`application/problem+json`), or undefined. */
export function problemCode(reply: HubReply): string | undefined {
  try {
    const problem = JSON.parse(reply.body) as { code?: unknown };
    return typeof problem.code === 'string' ? problem.code : undefined;
  } catch {
    return undefined;
  }
}
