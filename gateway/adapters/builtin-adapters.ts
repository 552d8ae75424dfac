import { canonicalAdapter } from '../../adapters/canonical/canonical-adapter.js';
import { contactCenterCsvAdapter } from '../../adapters/contact-center-csv/contact-center-csv-adapter.js';
import { jsonRestAdapter } from '../../adapters/json-rest/json-rest-adapter.js';
import { medoXdmsAdapter } from '../../adapters/medo-xdms/medo-xdms-adapter.js';
import { sev1207Adapter } from '../../adapters/sev-ovv-1207/sev1207-adapter.js';
import type { Logger } from '../observability/logger.js';
import type { AdapterModule } from './adapter.js';
import { AdapterRegistry } from './adapter-registry.js';

/**
 * The adapter modules the hub ships. A new format is one more module here (and its conformance case in
 * test/adapters/conformance/conformance-cases.ts): nothing else in the hub changes.
 */
export const BUILTIN_ADAPTERS: readonly AdapterModule[] = [
  canonicalAdapter,
  sev1207Adapter,
  medoXdmsAdapter,
  jsonRestAdapter,
  contactCenterCsvAdapter,
];

/** A sealed registry of the built-in adapters (a duplicate name or media type fails here, at start-up). */
export function builtinAdapterRegistry(logger?: Logger): AdapterRegistry {
  const registry = new AdapterRegistry(logger);
  for (const module of BUILTIN_ADAPTERS) registry.register(module);
  return registry.seal();
}

let shared: AdapterRegistry | undefined;

/** One built-in registry per process, for checks that need no logger (the registry's adapter check). */
export function sharedBuiltinAdapters(): AdapterRegistry {
  shared ??= builtinAdapterRegistry();
  return shared;
}
