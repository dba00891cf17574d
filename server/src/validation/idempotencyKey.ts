/** What an idempotency key may be (body field or `Idempotency-Key` header): 1-200 printable ASCII characters, no spaces. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
