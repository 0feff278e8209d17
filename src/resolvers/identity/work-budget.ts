// Budgets of expensive work per caller (an API token, an OIDC user): each may spend so much
// weight a minute. The spending is kept in the database (work_budgets), so that every hub
// process on it draws on one budget. The local operator on their own machine has none to spend.
import { RateLimiterDrizzle, RateLimiterRes } from 'rate-limiter-flexible';
import type { Database } from '../../db/connect.ts';
import { workBudgets } from '../../db/schema.ts';
import type { Actor } from '../core/actor.ts';

export interface WorkBudget {
  /** Spends `weight` of `actor`'s budget: null, or the seconds until enough is left. */
  spend(actor: Actor, weight: number): Promise<{ retryAfterSeconds: number } | null>;
}

export function workBudget(db: Database, perMinute: number): WorkBudget {
  const limiter = new RateLimiterDrizzle({
    storeClient: db,
    schema: workBudgets,
    points: perMinute,
    duration: 60,
  });
  return {
    async spend(actor, weight) {
      if (weight === 0 || actor.kind === 'operator') return null;
      try {
        await limiter.consume(actor.tokenId ?? actor.id, weight);
        return null;
      } catch (refused) {
        if (!(refused instanceof RateLimiterRes)) throw refused;
        return { retryAfterSeconds: Math.max(1, Math.ceil(refused.msBeforeNext / 1000)) };
      }
    },
  };
}
