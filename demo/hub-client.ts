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
 * A participant's connection to the hub over mutual TLS with its client certificate, trusting only the hub CA,
 * on kept-alive connections (one TLS handshake per socket, not per message).
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

  /** `POST /v1/messages`: a message to the hub. */
  post(body: string | Buffer, contentType: string): Promise<HubReply> {
    return this.send('POST', '/v1/messages', { body, contentType });
  }

  /** `POST` to another path of the hub (e.g. `/v1/inbox/{id}/ack`). */
  postTo(path: string, body: string | Buffer, contentType: string): Promise<HubReply> {
    return this.send('POST', path, { body, contentType });
  }

  get(path: string): Promise<HubReply> {
    return this.send('GET', path);
  }

  close(): void {
    this.agent.destroy();
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    content?: { body: string | Buffer; contentType: string },
  ): Promise<HubReply> {
    try {
      return await this.once(method, path, content);
    } catch (error) {
      // A kept-alive socket the server closed as idle just as it was reused: the request never reached the
      // hub, so it is sent again once on a fresh connection (what Node's documentation advises).
      if ((error as { retryable?: boolean }).retryable !== true) throw error;
      return this.once(method, path, content);
    }
  }

  private once(
    method: 'GET' | 'POST',
    path: string,
    content?: { body: string | Buffer; contentType: string },
  ): Promise<HubReply> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.hubUrl}${path}`,
        {
          method,
          agent: this.agent,
          headers: content === undefined ? {} : { 'content-type': content.contentType },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          req.reusedSocket && error.code === 'ECONNRESET' ? Object.assign(error, { retryable: true }) : error,
        ),
      );
      req.end(content?.body);
    });
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
