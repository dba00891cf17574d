import type { RequestHandler } from 'express';
import { ChexgenError } from '../errors.js';
import { isHostHeader } from '../pacs/hostHeader.js';
import { isLoopbackHost } from './requireApiToken.js';


/** Which Host names the server answers to (see {@link hostPolicy}). */
export type HostPolicy = { names: ReadonlySet<string>; loopbackOnly: boolean };

/**
 * The Host names a server answers to. Without an API token (loopback mode) any web page could reach it through DNS
 * rebinding (a name of the attacker's that resolves to 127.0.0.1), so only loopback names and CHEXGEN_ALLOWED_HOSTS
 * are served. With a token, the names are free (reverse proxies, DNS names) unless CHEXGEN_ALLOWED_HOSTS lists them.
 */
export function hostPolicy(allowedHosts: readonly string[], apiToken: string): HostPolicy {
  return { names: new Set(allowedHosts.map((h) => h.toLowerCase())), loopbackOnly: apiToken === '' || allowedHosts.length > 0 };
}

/** The host name of a Host header (lower case, no port, no brackets, no trailing dot), or undefined when malformed. */
export function hostName(header: string | undefined): string | undefined {
  if (!isHostHeader(header)) return undefined;
  const name = header.startsWith('[') ? header.slice(1, header.indexOf(']')) : header.replace(/:\d+$/, '');
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * Why a Host header is refused under `policy`, or undefined when it is served. A malformed Host is always refused:
 * it is copied into URLs the server hands out (DICOMweb BulkDataURIs, STOW RetrieveURLs).
 */
export function hostRefusal(header: string | undefined, policy: HostPolicy): ChexgenError | undefined {
  const name = hostName(header);
  if (name === undefined) {
    const shown = header === undefined ? 'none' : JSON.stringify(header.slice(0, 100));
    return new ChexgenError('INVALID_FIELD', `Host: must be a host name or address with an optional port, got ${shown}`, { field: 'Host', status: 400 });
  }
  if (!policy.loopbackOnly || isLoopbackHost(name) || policy.names.has(name)) return undefined;
  return new ChexgenError('FORBIDDEN', `Host: "${name}" is not a name this server answers to (loopback names${policy.names.size > 0 ? `, ${[...policy.names].join(', ')}` : ''}); add it to CHEXGEN_ALLOWED_HOSTS to serve it`, {
    field: 'Host', status: 403,
  });
}

/** Refuses requests whose Host is not served under `policy` (see {@link hostRefusal}), before any route runs. */
export function requireAllowedHost(policy: HostPolicy): RequestHandler {
  return (req, _res, next) => next(hostRefusal(req.headers.host, policy));
}
