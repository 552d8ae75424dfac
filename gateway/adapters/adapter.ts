import type { Envelope, MessageType } from '../envelope/envelope-model.js';

/**
 * The adapter SDK (issue #5). An adapter converts between one agency document format and the canonical
 * envelope model, in both directions. It is modelled on Kysely's dialects: a module is a factory with a
 * manifest (what it reads and writes, which directions and message types it supports) and `createAdapter`,
 * which validates the participant's settings and returns the adapter. The hub never calls an adapter directly:
 * `RuntimeAdapter` (runtime-adapter.ts) wraps every one, applies the size cap and the deadline, validates what
 * the adapter produces (canonical output against the envelope XSD, native output against the format's own
 * schema when the manifest names one) and turns anything unexpected into a coded error.
 *
 * Adapters hold no security logic: they see documents the hub has already authenticated (a verified
 * signature, or a participant's mutual-TLS connection) and never sign, verify or decide trust. They are also
 * independent of transport: the same adapter serves HTTP push, inbox pull and file drop.
 */

/** A document in an agency's own format, as bytes plus what it is. */
export interface NativeDocument {
  readonly bytes: Uint8Array;
  /** The media type of `bytes`, one of the manifest's `reads` (input) or `writes` (output). */
  readonly mediaType: string;
  /** A file name, where the format or transport has one (file drop, attachments). */
  readonly fileName?: string;
}

/** What `toCanonical` needs beyond the document: who sent it and values the format may not carry. */
export interface AdapterContext {
  /** ЄДРПОУ code of the hub (config `hub.code`). */
  readonly hubCode: string;
  /**
   * The participant whose format this is: the sender for `toCanonical`, the recipient for `fromCanonical`.
   */
  readonly participantCode: string;
  /** The hub's clock (tests and the demo's simulated clock pass their own). */
  now(): Date;
  /** A new UUID for messages the format does not identify itself. */
  newId(): string;
}

/** A direction an adapter converts in. */
export type Direction = 'toCanonical' | 'fromCanonical';

/** Describes an adapter module; checked by the hub when the module is registered (see AdapterRegistry). */
export interface AdapterManifest {
  /** Registry name, as in a participant's `adapter` field: lower-case kebab-case, unique in the hub. */
  readonly name: string;
  /** The module's version (semver). */
  readonly version: string;
  /** One line for `vkhid adapters` and the docs. */
  readonly description: string;
  /** Media types `toCanonical` reads. Two registered adapters may not both read one media type. */
  readonly reads: readonly string[];
  /** Media types `fromCanonical` writes. */
  readonly writes: readonly string[];
  /** The directions this module converts in (at least one). */
  readonly directions: readonly Direction[];
  /** The canonical message types the module maps, per direction. */
  readonly messageTypes: {
    readonly toCanonical: readonly MessageType[];
    readonly fromCanonical: readonly MessageType[];
  };
  /** Largest native document `toCanonical` accepts, in bytes (the runtime refuses larger ones unread). */
  readonly maxInputBytes: number;
  /** Longest one conversion may take, in milliseconds (default 10 s). */
  readonly deadlineMs?: number;
  /**
   * The format's own XML Schema, an absolute path (`xs:import`s resolved next to it): the runtime validates
   * every XML document `fromCanonical` writes against it, and refuses output that does not match.
   */
  readonly nativeSchema?: string;
}

/** One adapter instance, bound to one participant's settings. */
export interface Adapter {
  /**
   * Agency document to canonical message (unsigned model). The result is built and validated against the
   * envelope XSD by the runtime; throw a VkhidError (ADAPTER_* codes, with `field`) for refusals.
   */
  toCanonical?(document: NativeDocument, context: AdapterContext): Envelope | Promise<Envelope>;
  /** Canonical message (read from the verified signed envelope) to agency document. */
  fromCanonical?(envelope: Envelope, context: AdapterContext): NativeDocument | Promise<NativeDocument>;
}

/** An adapter module: what a file under `adapters/` exports. */
export interface AdapterModule {
  readonly manifest: AdapterManifest;
  /**
   * Validates `settings` (a participant's `adapterSettings`, untrusted JSON) and creates the adapter. Throws
   * ADAPTER_SETTINGS_INVALID naming the setting when they are wrong: the hub refuses to register such a
   * participant, and refuses to start with one.
   */
  createAdapter(settings: Readonly<Record<string, unknown>>): Adapter;
}
