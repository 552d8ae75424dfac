import { currentCrl } from '../hub/hub-pki.js';
import type { HubContext } from '../hub/hub-context.js';

/** How long a signed CRL is served before a new one is signed. */
export const CRL_CACHE_MS = 60_000;

/**
 * The hub CA's CRL as served at `GET /pki/crl`. The endpoint is public and unauthenticated, and each
 * `currentCrl` call signs a new CRL with the CA key and bumps the CRL number in the store: without a cache, a
 * flood of CRL requests would be a flood of CA signatures and store writes. So the DER is kept for a minute
 * (`CRL_CACHE_MS`), and requests arriving while one is being signed wait for that one instead of signing
 * their own.
 *
 * A revocation through this process (the admin API) invalidates the cache at once; one made by another
 * process (the CLI) shows within the minute. Relying parties re-fetch at the CRL's `nextUpdate` (hours away),
 * so a minute adds nothing to their window.
 */
export class CrlCache {
  private cached: { der: Buffer; until: number } | undefined;
  private pending: Promise<Buffer> | undefined;
  /** Bumped by `invalidate`: a CRL whose signing began before it is served to its waiters but never cached. */
  private generation = 0;

  constructor(
    private readonly hub: HubContext,
    private readonly ttlMs = CRL_CACHE_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(): Promise<Buffer> {
    if (this.cached !== undefined && this.clock() < this.cached.until) return this.cached.der;
    if (this.pending !== undefined) return this.pending;
    const generation = this.generation;
    const pending = currentCrl(this.hub).then(
      (der) => {
        if (generation === this.generation) this.cached = { der, until: this.clock() + this.ttlMs };
        if (this.pending === pending) this.pending = undefined;
        return der;
      },
      (error: unknown) => {
        if (this.pending === pending) this.pending = undefined;
        throw error;
      },
    );
    this.pending = pending;
    return pending;
  }

  invalidate(): void {
    this.generation += 1;
    this.cached = undefined;
    this.pending = undefined;
  }
}

const caches = new WeakMap<HubContext, CrlCache>();

/** The one cache of a hub, shared by the PKI router (which serves it) and the admin router (which revokes). */
export function crlCacheOf(hub: HubContext): CrlCache {
  let cache = caches.get(hub);
  if (cache === undefined) {
    cache = new CrlCache(hub);
    caches.set(hub, cache);
  }
  return cache;
}
