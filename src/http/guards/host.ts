// DNS rebinding: a page on attacker.example whose name later resolves to 127.0.0.1 reaches
// the hub as same-origin, but its requests still say `Host: attacker.example`. Only the names
// the hub is known by are served.
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from '../identity.ts';

export interface HostNames {
  /** The address the hub listens on. */
  bindHost: string;
  /** EVALHUB_ALLOWED_HOSTS: further names (without port) the hub is reached by. */
  allowedHosts: readonly string[];
}

/** The name of a Host header, without its port and brackets, lower-cased. */
export function hostName(header: string): string {
  const name = header.startsWith('[') ? header.slice(1, header.indexOf(']')) : header.split(':')[0];
  return (name ?? '').toLowerCase();
}

const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '']);

/**
 * Whether the request names a host the hub answers to: a configured name, the address it
 * is bound to, a loopback name when bound to loopback; any name when bound to every
 * address and no names are configured (such a hub requires tokens).
 */
export function hostAllowed(req: IncomingMessage, names: HostNames): boolean {
  const header = req.headers.host;
  if (!header) return false;
  const name = hostName(header);
  if (names.allowedHosts.includes(name)) return true;
  if (name === hostName(names.bindHost)) return true;
  if (isLoopbackHost(names.bindHost)) return name === 'localhost' || isLoopbackHost(name);
  return names.allowedHosts.length === 0 && WILDCARD_BINDS.has(names.bindHost);
}
