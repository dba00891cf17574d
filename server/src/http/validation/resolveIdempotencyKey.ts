import { ChexgenError } from '../../errors.js';
import { IDEMPOTENCY_KEY } from '../../contract/index.js';

/** The idempotency key of a request: the body's `idempotencyKey` or the `Idempotency-Key` header (both: they must agree). */
export function resolveIdempotencyKey(bodyKey: string | undefined, headerKey: string | undefined): string | null {
  if (headerKey !== undefined && !IDEMPOTENCY_KEY.test(headerKey)) {
    throw new ChexgenError('INVALID_FIELD', 'Idempotency-Key: 1-200 printable ASCII characters, no spaces', { field: 'Idempotency-Key', status: 400 });
  }
  if (headerKey !== undefined && bodyKey !== undefined && headerKey !== bodyKey) {
    throw new ChexgenError('INVALID_FIELD', 'idempotencyKey: differs from the Idempotency-Key header', { field: 'idempotencyKey', status: 400 });
  }
  return headerKey ?? bodyKey ?? null;
}
