/**
 * A Host header value safe to copy into a URL: a DNS name or IPv4 address, or an [IPv6] literal, with an optional
 * port. Servers build absolute URLs from Host (DICOMweb BulkDataURIs, STOW RetrieveURLs), so anything else is refused.
 */
export const HOST_HEADER_PATTERN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_.])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** Whether `value` is a well-formed Host header (see {@link HOST_HEADER_PATTERN}). */
export function isHostHeader(value: string | undefined): value is string {
  return value !== undefined && HOST_HEADER_PATTERN.test(value);
}
