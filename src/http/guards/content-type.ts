// A form or a fetch with `text/plain` is sent cross-site without a CORS preflight; a request
// that changes state must carry a type a browser only sends after asking (JSON).
import type { IncomingMessage } from 'node:http';

const SIMPLE_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];

/** Whether the request can change state (anything but GET, HEAD, OPTIONS). */
export function changesState(req: IncomingMessage): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? 'GET');
}

/** Whether the body's content type is one a page on another site could send unasked. */
export function simpleContentType(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === '' || SIMPLE_TYPES.includes(type);
}
