import type { Store } from '../store/store.js';

/** As the queue keeps `last_error`: bounded, and without NUL or lone surrogates (the store is text). */
const MAX_ERROR_LENGTH = 2000;

/**
 * Makes a job the worker `owner` holds a dead letter at once, keeping `reason`: for failures no retry can
 * cure (the recipient's adapter refuses to convert the message), where `queue.failed` would spend the whole
 * retry schedule producing the same refusal. An operator requeues it (`vkhid queue requeue`) once the cause
 * is fixed (the participant's adapter settings, say). False when `owner` no longer holds the job's lease.
 */
export async function deadLetterNow(
  store: Store,
  jobId: string,
  owner: string,
  reason: string,
  now: Date,
): Promise<boolean> {
  const text = (reason === '' ? 'unknown error' : reason.slice(0, MAX_ERROR_LENGTH))
    .replaceAll('\u0000', '\uFFFD')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return store.transaction(async (tx) => {
    const { changes } = await tx.execute(
      `UPDATE delivery_jobs SET state = 'dead', last_error = ?, lease_owner = NULL, lease_until = NULL,
       updated_at = ? WHERE id = ? AND state = 'sending' AND lease_owner = ?`,
      [text, now.toISOString(), jobId, owner],
    );
    return changes === 1;
  });
}
