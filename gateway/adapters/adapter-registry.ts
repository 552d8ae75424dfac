import { canonicalJson } from '../canonical-json.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { Logger } from '../observability/logger.js';
import { XsdSchema } from '../xml/xsd-schema.js';
import type { AdapterManifest, AdapterModule } from './adapter.js';
import { baseMediaType, RuntimeAdapter } from './runtime-adapter.js';

const NAME = /^[a-z][a-z0-9-]{0,63}$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
const MESSAGE_TYPES = new Set(['appeal', 'receipt', 'status', 'answer', 'error']);

/**
 * The hub's adapters, by name and by the media types they read (Fastify's content-type parser registry, for
 * formats). Registration checks the manifest and refuses a second adapter with a taken name or a taken media
 * type, so which adapter reads a document is never ambiguous; `seal()` (at start-up, once every module is
 * registered) refuses later registrations, so the set cannot change under a running hub.
 *
 * `create` binds a module to one participant's settings; instances are cached per name and settings, so a
 * participant's adapter (and its compiled native schema) is built once, not per message.
 */
export class AdapterRegistry {
  private readonly modules = new Map<string, AdapterModule>();
  private readonly readers = new Map<string, string>();
  private readonly schemas = new Map<string, XsdSchema>();
  private readonly instances = new Map<string, RuntimeAdapter>();
  private sealed = false;

  constructor(private readonly logger?: Logger) {}

  register(module: AdapterModule): this {
    const manifest = module.manifest;
    const name = typeof manifest?.name === 'string' ? manifest.name : String(manifest?.name);
    if (this.sealed) throw registration(name, 'the registry is sealed (the hub has started)');
    checkManifest(manifest);
    if (this.modules.has(name)) throw registration(name, 'an adapter with this name is already registered');
    for (const mediaType of manifest.reads) {
      const owner = this.readers.get(mediaType);
      if (owner !== undefined) throw registration(name, `${mediaType} is already read by adapter ${owner}`);
    }
    if (manifest.nativeSchema !== undefined) {
      try {
        this.schemas.set(name, XsdSchema.load(manifest.nativeSchema, 'ADAPTER_NATIVE_SCHEMA_INVALID'));
      } catch (error) {
        throw registration(name, `its native schema cannot be compiled: ${String(error)}`);
      }
    }
    this.modules.set(name, module);
    for (const mediaType of manifest.reads) this.readers.set(mediaType, name);
    return this;
  }

  seal(): this {
    this.sealed = true;
    return this;
  }

  get isSealed(): boolean {
    return this.sealed;
  }

  has(name: string): boolean {
    return this.modules.has(name);
  }

  manifests(): AdapterManifest[] {
    return [...this.modules.values()].map((module) => module.manifest);
  }

  /** The adapter that reads `mediaType` (parameters ignored), if any. */
  readerOf(mediaType: string): string | undefined {
    return this.readers.get(baseMediaType(mediaType));
  }

  /**
   * The runtime adapter for a participant: module `name` with `settings`. Throws ADAPTER_UNKNOWN, or the
   * module's ADAPTER_SETTINGS_INVALID.
   */
  create(name: string, settings: Readonly<Record<string, unknown>> = {}): RuntimeAdapter {
    const module = this.modules.get(name);
    if (module === undefined) throw new VkhidError('ADAPTER_UNKNOWN', { args: [name], field: 'adapter' });
    const key = `${name}\u0000${canonicalJson(settings)}`;
    const cached = this.instances.get(key);
    if (cached !== undefined) return cached;
    let adapter;
    try {
      adapter = module.createAdapter(settings);
    } catch (error) {
      if (error instanceof VkhidError) throw error;
      throw new VkhidError('ADAPTER_SETTINGS_INVALID', { args: [name, String(error)], cause: error });
    }
    const runtime = new RuntimeAdapter(module, adapter, this.schemas.get(name), this.logger);
    this.instances.set(key, runtime);
    return runtime;
  }
}

function checkManifest(manifest: AdapterManifest | undefined): asserts manifest is AdapterManifest {
  const name = String(manifest?.name);
  const fail = (why: string): never => {
    throw registration(name, `invalid manifest: ${why}`);
  };
  if (manifest === undefined || typeof manifest !== 'object') return fail('no manifest');
  if (typeof manifest.name !== 'string' || !NAME.test(manifest.name)) fail('name must be kebab-case');
  if (typeof manifest.version !== 'string' || !SEMVER.test(manifest.version)) fail('version must be semver');
  if (typeof manifest.description !== 'string' || manifest.description.trim() === '')
    fail('description is required');
  const directions = manifest.directions;
  if (!Array.isArray(directions) || directions.length === 0) fail('at least one direction is required');
  for (const direction of directions) {
    if (direction !== 'toCanonical' && direction !== 'fromCanonical') fail(`unknown direction ${direction}`);
  }
  const lists: [string, readonly string[]][] = [
    ['reads', manifest.reads],
    ['writes', manifest.writes],
  ];
  for (const [field, list] of lists) {
    if (!Array.isArray(list)) fail(`${field} must be a list of media types`);
    for (const mediaType of list) {
      if (typeof mediaType !== 'string' || !MEDIA_TYPE.test(mediaType))
        fail(`${field}: ${mediaType} is not a media type without parameters`);
    }
  }
  if (directions.includes('toCanonical') && manifest.reads.length === 0)
    fail('an adapter converting toCanonical must read a media type');
  if (directions.includes('fromCanonical') && manifest.writes.length === 0)
    fail('an adapter converting fromCanonical must write a media type');
  for (const direction of ['toCanonical', 'fromCanonical'] as const) {
    const types = manifest.messageTypes?.[direction] as readonly string[] | undefined;
    if (types === undefined) return fail(`messageTypes.${direction} is required`);
    if (!Array.isArray(types)) fail(`messageTypes.${direction} must be a list`);
    for (const type of types as readonly unknown[]) {
      if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) fail(`unknown message type ${String(type)}`);
    }
    if (directions.includes(direction) && types.length === 0)
      fail(`messageTypes.${direction} is empty but the direction is declared`);
  }
  if (!Number.isSafeInteger(manifest.maxInputBytes) || manifest.maxInputBytes < 1)
    fail('maxInputBytes must be a positive integer');
  if (manifest.deadlineMs !== undefined && !(manifest.deadlineMs > 0)) fail('deadlineMs must be positive');
}

function registration(name: string, why: string): VkhidError {
  return new VkhidError('ADAPTER_REGISTRATION', { args: [name, why] });
}
