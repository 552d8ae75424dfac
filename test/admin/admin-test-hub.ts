import assert from 'node:assert/strict';
/**
 * Shared by the admin tests: a hub in a temporary directory, the admin and PKI routers on an ephemeral port
 * of 127.0.0.1, requests with Node's fetch, CSRs and certificates made by `openssl`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import {
  createAdminRouter,
  createPkiRouter,
  type AdminRouterOptions,
} from '../../gateway/admin/admin-router.js';
import { openHub, type HubContext } from '../../gateway/hub/hub-context.js';
import { initialiseHub } from '../../gateway/hub/hub-pki.js';
import { edrpouCheckDigit } from '../../gateway/registry/edrpou.js';

export interface TestHub {
  readonly hub: HubContext;
  readonly dir: string;
  /** A scratch directory for openssl files. */
  readonly scratch: string;
  close(): Promise<void>;
}

export async function openTestHub(options: { initialise?: boolean } = {}): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'vkhid-admin-'));
  const hub = await openHub({ dataDir: join(dir, 'data') });
  if (options.initialise !== false) await initialiseHub(hub, 'test:init');
  return {
    hub,
    dir,
    scratch: dir,
    close: async () => {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A valid ЄДРПОУ code from its first seven digits. */
export function edrpou(firstSeven: string): string {
  return `${firstSeven}${edrpouCheckDigit(firstSeven)}`;
}

/** A code with the wrong check digit. */
export function invalidEdrpou(firstSeven: string): string {
  return `${firstSeven}${(edrpouCheckDigit(firstSeven) + 1) % 10}`;
}

export function openssl(args: readonly string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `openssl req -new -newkey <key> -nodes -subj /CN=<cn>`: the PEM request (its key stays in `cwd`). */
export function opensslCsr(
  cwd: string,
  name: string,
  commonName: string,
  newKey: readonly string[] = ['rsa:2048'],
): string {
  openssl(
    [
      'req',
      '-new',
      '-newkey',
      ...newKey,
      '-nodes',
      '-subj',
      `/CN=${commonName}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    ],
    cwd,
  );
  return readFileSync(join(cwd, `${name}.csr`), 'utf8');
}

export interface TestServer {
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** The routers as the hub server will mount them: `/admin` and `/pki`. */
export async function startAdminServer(
  hub: HubContext,
  options: AdminRouterOptions = {},
): Promise<TestServer> {
  const app = express();
  app.use('/admin', createAdminRouter(hub, options));
  app.use('/pki', createPkiRouter(hub));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

/** RFC 9457 problem details as the API sends them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  field?: string;
  instance?: string;
}

export interface Reply<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
  /** The body parsed as JSON, as the type the test expects (not checked). */
  readonly json: T;
}

const PROBLEM_JSON = /^application\/problem\+json(;|$)/;

/** A refusal as the admin API must give it: the status, problem+json, the stable code and (if given) the field. */
export function assertProblem(reply: Reply<Problem>, status: number, code: string, field?: string): void {
  assert.equal(
    reply.status,
    status,
    `expected ${status} ${code}, got ${reply.status} ${reply.body.toString()}`,
  );
  assert.match(reply.headers.get('content-type') ?? '', PROBLEM_JSON);
  assert.equal(reply.json.code, code);
  assert.equal(reply.json.status, status);
  assert.equal(reply.json.type, `urn:vkhid:error:${code}`);
  assert.equal(typeof reply.json.detail, 'string');
  if (field !== undefined) assert.equal(reply.json.field, field);
}

export interface CallOptions {
  readonly token?: string;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent as is, with `Content-Type: application/json` unless `headers` says otherwise. */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
}

export async function call<T = Problem>(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = {
    ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
  };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  } else if (options.raw !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.raw;
  }
  Object.assign(headers, options.headers ?? {});
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, body: bytes, json: json as T };
}

export function writeScratch(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
