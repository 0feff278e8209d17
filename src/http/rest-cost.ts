// What a REST request weighs against its caller's budget of expensive work (query-cost.ts),
// which GraphQL spends too: a route that does an expensive field's work weighs what the
// field weighs, so that the budget cannot be gone around by asking over REST instead.
import type { ServerResponse } from 'node:http';
import type { Actor } from '../resolvers/core/actor.ts';
import { sendJson } from './graphql-endpoint.ts';
import { EXPENSIVE_FIELDS, type ExpensiveWorkBudget } from './query-cost.ts';

/** The expensive routes (GET) and what each weighs. */
const ROUTES: ReadonlyArray<{ path: RegExp; weight: (url: URL) => number }> = [
  // GET /api/v1/lineage/{id}/bundle: the same work as the field.
  { path: /^\/api\/v1\/lineage\/[^/]+\/bundle$/, weight: () => EXPENSIVE_FIELDS.provenanceBundle! },
  // GET /api/v1/lineage/{id}/prov: a trace.
  { path: /^\/api\/v1\/lineage\/[^/]+\/prov$/, weight: () => EXPENSIVE_FIELDS.trace! },
  // GET /api/v1/runs/{id}/report: the field's work; as PDF a browser process prints it too.
  {
    path: /^\/api\/v1\/runs\/[^/]+\/report$/,
    weight: (url) =>
      EXPENSIVE_FIELDS.report! +
      (url.searchParams.get('format') === 'pdf' ? EXPENSIVE_FIELDS.trace! : 0),
  },
];

/** What the request weighs: 0 for anything but the expensive routes. */
export function restWeight(method: string | undefined, url: URL): number {
  if (method !== 'GET') return 0;
  return ROUTES.find((route) => route.path.test(url.pathname))?.weight(url) ?? 0;
}

/**
 * Spends the request's weight of the actor's budget; answers 429 with Retry-After, and
 * returns true, when there is not enough left.
 */
export async function refusedOverBudget(
  budget: ExpensiveWorkBudget,
  actor: Actor,
  method: string | undefined,
  url: URL,
  res: ServerResponse,
): Promise<boolean> {
  const spent = await budget.spend(actor, restWeight(method, url));
  if (!spent) return false;
  res.setHeader('retry-after', String(spent.retryAfterSeconds));
  sendJson(res, 429, { error: spent.message, code: 'RATE_LIMITED' });
  return true;
}
