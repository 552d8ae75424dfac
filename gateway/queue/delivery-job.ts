import type { Envelope } from '../envelope/envelope-model.js';

/**
 * A delivery job: one accepted message on its way to one recipient. The intake creates it `queued`, in the same
 * transaction as the message; the delivery workers (issue #4, part 2) move it on:
 *
 *   queued → sending → delivered → acknowledged
 *              ↓  ↑
 *             retry          (and → dead when the attempts are spent)
 */
export const DELIVERY_STATES = ['queued', 'sending', 'retry', 'delivered', 'acknowledged', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** Smaller is sooner. Urgent appeals (statutory short deadlines) go before everything else. */
export const PRIORITY_URGENT = 0;
export const PRIORITY_NORMAL = 10;

export interface DeliveryJob {
  id: string;
  /** The message's key (its MessageId in lower case). */
  messageId: string;
  recipient: string;
  state: DeliveryState;
  priority: number;
  attempts: number;
  /** When the job may next be claimed (ISO-8601 UTC). */
  nextAttemptAt: string;
  leaseOwner: string | null;
  leaseUntil: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The priority of delivering `envelope`: urgent appeals first, then everything else in order of arrival. */
export function deliveryPriority(envelope: Envelope): number {
  return envelope.body.type === 'appeal' && envelope.body.appeal.urgency === 'urgent'
    ? PRIORITY_URGENT
    : PRIORITY_NORMAL;
}
