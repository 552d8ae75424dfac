import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeDocument } from '../gateway/adapters/adapter.js';
import { builtinAdapterRegistry } from '../gateway/adapters/builtin-adapters.js';
import type { RuntimeAdapter } from '../gateway/adapters/runtime-adapter.js';
import type { Envelope } from '../gateway/envelope/envelope-model.js';
import { packageRoot } from '../gateway/package-paths.js';
import type { DemoAgency } from './demo-participants.js';

/**
 * What a simulated agency reads its incoming documents with: the hub's own adapter for its format, with the
 * settings it is registered with. The simulators stay small (they do not parse 1207 or xdms themselves) and
 * what they see is exactly what the format carries.
 */
export class AgencyReader {
  private readonly adapter: RuntimeAdapter;

  constructor(
    private readonly agency: DemoAgency,
    private readonly hubCode: string,
  ) {
    const settings = JSON.parse(
      readFileSync(join(packageRoot, 'adapters', agency.adapter, 'example-settings.json'), 'utf8'),
    ) as Record<string, unknown>;
    this.adapter = builtinAdapterRegistry().create(agency.adapter, settings);
  }

  async read(document: NativeDocument): Promise<Envelope> {
    const { envelope } = await this.adapter.toCanonical(document, {
      hubCode: this.hubCode,
      participantCode: this.agency.code,
      now: () => new Date(),
      newId: randomUUID,
    });
    return envelope;
  }
}

/** Counts of what an agency saw, for the summary. */
export interface AgencyStats {
  received: number;
  registered: number;
  refused: number;
  /** Deliveries answered 503 or left hanging (the flaky agency). */
  failedOnPurpose: number;
  /** The same appeal delivered again (after a delivery that hung or failed). */
  repeats: number;
}

export function newStats(): AgencyStats {
  return { received: 0, registered: 0, refused: 0, failedOnPurpose: 0, repeats: 0 };
}
