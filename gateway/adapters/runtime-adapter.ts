import { buildEnvelope } from '../envelope/envelope-builder.js';
import type { Envelope } from '../envelope/envelope-model.js';
import { envelopeSchema } from '../envelope/envelope-schema.js';
import { VkhidError } from '../errors/vkhid-error.js';
import type { Logger } from '../observability/logger.js';
import type { XsdSchema } from '../xml/xsd-schema.js';
import type {
  Adapter,
  AdapterContext,
  AdapterManifest,
  AdapterModule,
  Direction,
  NativeDocument,
} from './adapter.js';

export const DEFAULT_ADAPTER_DEADLINE_MS = 10_000;

/** A canonical message an adapter produced, with the XML the runtime built and validated from it. */
export interface CanonicalResult {
  readonly envelope: Envelope;
  /** The unsigned canonical envelope (`buildEnvelope` output), valid against the envelope XSD. */
  readonly xml: string;
}

/**
 * The hub's wrapper around one adapter instance (Kysely's RuntimeDriver, for formats). Every call from the hub
 * goes through it, so no adapter can skip the rules:
 * - the direction, message type and media type must be ones the manifest declares (ADAPTER_UNSUPPORTED);
 * - input larger than the manifest's cap is refused unread (ADAPTER_INPUT_TOO_LARGE): a parser never sees it;
 * - a conversion that outlives the deadline is abandoned with ADAPTER_TIMEOUT (a synchronous adapter cannot be
 *   interrupted mid-call; the cap bounds how long it can run, and the check still refuses its late result);
 * - output is never trusted: canonical output is built with the envelope builder and validated against the
 *   envelope XSD, native XML output against the format's schema (ADAPTER_OUTPUT_INVALID);
 * - anything thrown that is not a coded error becomes ADAPTER_FAILED; its details go to the log only, and the
 *   log gets the adapter name, direction and error code, never document content (personal data).
 */
export class RuntimeAdapter {
  readonly manifest: AdapterManifest;
  private readonly deadlineMs: number;

  constructor(
    module: AdapterModule,
    private readonly adapter: Adapter,
    private readonly nativeSchema: XsdSchema | undefined,
    private readonly logger?: Logger,
  ) {
    this.manifest = module.manifest;
    this.deadlineMs = module.manifest.deadlineMs ?? DEFAULT_ADAPTER_DEADLINE_MS;
  }

  get name(): string {
    return this.manifest.name;
  }

  supports(direction: Direction): boolean {
    return this.manifest.directions.includes(direction) && this.adapter[direction] !== undefined;
  }

  /** Agency document → validated canonical message. */
  async toCanonical(document: NativeDocument, context: AdapterContext): Promise<CanonicalResult> {
    const convert = this.adapter.toCanonical?.bind(this.adapter);
    if (convert === undefined || !this.manifest.directions.includes('toCanonical')) {
      throw this.unsupported('documents into the canonical envelope');
    }
    if (!this.manifest.reads.includes(baseMediaType(document.mediaType))) {
      throw this.unsupported(`the media type ${document.mediaType}`);
    }
    if (document.bytes.length > this.manifest.maxInputBytes) {
      throw new VkhidError('ADAPTER_INPUT_TOO_LARGE', {
        args: [document.bytes.length, this.name, this.manifest.maxInputBytes],
      });
    }
    const envelope = await this.guard('toCanonical', () => convert(document, context));
    if (!this.manifest.messageTypes.toCanonical.includes(envelope.body.type)) {
      throw this.outputInvalid('canonical message', `the manifest does not declare ${envelope.body.type}`);
    }
    let xml: string;
    try {
      xml = buildEnvelope(envelope);
      envelopeSchema().validate(xml);
    } catch (error) {
      throw this.outputInvalid('canonical message', error);
    }
    return { envelope, xml };
  }

  /** Canonical message → agency document, validated against the format's schema when it has one. */
  async fromCanonical(envelope: Envelope, context: AdapterContext): Promise<NativeDocument> {
    const convert = this.adapter.fromCanonical?.bind(this.adapter);
    if (convert === undefined || !this.manifest.directions.includes('fromCanonical')) {
      throw this.unsupported('canonical messages into its format');
    }
    if (!this.manifest.messageTypes.fromCanonical.includes(envelope.body.type)) {
      throw this.unsupported(`${envelope.body.type} messages`);
    }
    const document = await this.guard('fromCanonical', () => convert(envelope, context));
    if (!(document.bytes instanceof Uint8Array) || document.bytes.length === 0) {
      throw this.outputInvalid('document', 'it is empty');
    }
    if (!this.manifest.writes.includes(baseMediaType(document.mediaType))) {
      throw this.outputInvalid(
        'document',
        `the manifest does not declare the media type ${document.mediaType}`,
      );
    }
    if (this.nativeSchema !== undefined) {
      try {
        this.nativeSchema.validate(document.bytes);
      } catch (error) {
        throw this.outputInvalid('document', error);
      }
    }
    return document;
  }

  private async guard<T>(direction: Direction, call: () => T | Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const started = performance.now();
    try {
      const result = await Promise.race([
        Promise.resolve().then(call),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new VkhidError('ADAPTER_TIMEOUT', { args: [this.name, this.deadlineMs] })),
            this.deadlineMs,
          );
        }),
      ]);
      // A synchronous adapter blocks the timer; its late answer is still refused.
      if (performance.now() - started > this.deadlineMs) {
        throw new VkhidError('ADAPTER_TIMEOUT', { args: [this.name, this.deadlineMs] });
      }
      return result;
    } catch (error) {
      if (error instanceof VkhidError) {
        this.logger?.info(
          { adapter: this.name, direction, code: error.code, field: error.field },
          'adapter refused',
        );
        throw error;
      }
      this.logger?.error({ adapter: this.name, direction, err: error }, 'adapter failed');
      throw new VkhidError('ADAPTER_FAILED', { args: [this.name, 'an unexpected error'], cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  private unsupported(what: string): VkhidError {
    return new VkhidError('ADAPTER_UNSUPPORTED', { args: [this.name, what] });
  }

  private outputInvalid(what: string, problem: unknown): VkhidError {
    const detail = problem instanceof VkhidError ? `${problem.code}: ${problem.message}` : String(problem);
    return new VkhidError('ADAPTER_OUTPUT_INVALID', {
      args: [this.name, what, detail],
      ...(problem instanceof VkhidError && problem.field !== undefined ? { field: problem.field } : {}),
      cause: problem,
    });
  }
}

/** `application/json; charset=utf-8` → `application/json` (media types compare without parameters). */
export function baseMediaType(mediaType: string): string {
  return (mediaType.split(';')[0] ?? '').trim().toLowerCase();
}
