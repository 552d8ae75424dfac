import type fc from 'fast-check';
import type { AdapterModule, NativeDocument } from '../../../gateway/adapters/adapter.js';
import type { Envelope } from '../../../gateway/envelope/envelope-model.js';
import type { ErrorCode } from '../../../gateway/errors/error-catalogue.js';

/**
 * What an adapter gives the shared conformance suite (adapter-conformance.test.ts runs it over every case in
 * conformance-cases.ts). An adapter joins the hub only when its case passes.
 */
export interface ConformanceCase {
  readonly module: AdapterModule;
  /** Participant settings the adapter is created with for the suite. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The participant the adapter serves (sender for toCanonical, recipient for fromCanonical). */
  readonly participantCode: string;
  /**
   * Canonical messages the format can carry, for the round trip canonical → native → canonical (only when the
   * module converts in both directions). Each generated envelope is addressed to `participantCode`.
   */
  readonly canonical?: fc.Arbitrary<Envelope>;
  /**
   * What of `envelope` survives the round trip: the suite asserts deepEqual(toCanonical(fromCanonical(e)),
   * project(e)). Fields the format cannot carry are dropped or replaced here, and only here, so the list of
   * losses is explicit and reviewed.
   */
  readonly project?: (envelope: Envelope) => Envelope;
  /** Native documents that must be read (official samples, golden files), with the canonical result expected. */
  readonly goldens: readonly {
    readonly name: string;
    readonly document: NativeDocument;
    /** The expected canonical model; omitted: it must only convert, and pass the envelope XSD. */
    readonly expected?: Envelope;
  }[];
  /** Native documents that must be refused, each with its code and (where one field is at fault) the field. */
  readonly refusals: readonly {
    readonly name: string;
    readonly document: NativeDocument;
    readonly code: ErrorCode;
    readonly field?: string | RegExp;
  }[];
}

/** The id `newId()` returns in the suite (so a format that carries no message id round-trips predictably). */
export const SUITE_NEW_ID = '00000000-0000-4000-8000-000000000001';
/** The suite's clock. */
export const SUITE_NOW = new Date('2026-03-02T09:30:00.000Z');

/**
 * The context the suite converts with. Round trips call `fromCanonical` with the envelope's recipient as
 * `participantCode` and `toCanonical` with its sender (the native document read back as if that side had sent
 * it), so a format that carries both codes keeps them, and one that does not takes them from the context.
 */
export function suiteContext(participantCode: string, hubCode = '43395033') {
  return { hubCode, participantCode, now: () => SUITE_NOW, newId: () => SUITE_NEW_ID };
}
