// Users of the team's identity provider: an OIDC bearer token (a JWT) verified against the
// provider's published keys (JWKS), its user and groups read from configurable claims, the
// groups mapped to roles, and the user's own memberships added.
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Queryable } from '../../db/rows.ts';
import { type Actor, ROLES, type Role } from '../core/actor.ts';
import { memberRoles, oidcSubject } from './members.ts';

export interface OidcSettings {
  /** The provider's issuer URL; the `iss` a token must carry. */
  issuer: string;
  /** The `aud` a token must carry: the hub's client id at the provider. */
  audience: string;
  /** Where the provider publishes its keys; discovered from the issuer when null. */
  jwksUrl: string | null;
  /** The claim naming the user (`sub` by default; `preferred_username` reads better). */
  userClaim: string;
  /** The claim listing the user's groups. */
  groupsClaim: string;
  /** What each group grants: "admin", or roles by project slug ("*" for every project). */
  groupRoles: Record<string, 'admin' | Record<string, string>>;
}

/**
 * The identity provider could not be reached (discovery or its keys failed): the token was
 * neither accepted nor refused. Answered 503; the hub asks the provider again only after
 * `retryAfterSeconds`, so an outage does not cost every request a fetch.
 */
export class IdentityProviderUnavailable extends Error {
  override name = 'IdentityProviderUnavailable';
  readonly retryAfterSeconds: number;
  constructor(reason: string, retryAfterSeconds: number) {
    super(`the identity provider is unavailable (${reason}); try again later`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** How long a failed discovery or key fetch is remembered before the provider is asked again. */
const RETRY_AFTER_SECONDS = 15;

const rank = (role: string | undefined) => (role ? ROLES.indexOf(role as Role) : -1);

/** The roles (and admin) the user's groups grant, by the configured mapping. */
export function rolesOfGroups(
  settings: Pick<OidcSettings, 'groupRoles'>,
  groups: readonly string[],
): { admin: boolean; roles: Record<string, Role> } {
  let admin = false;
  const roles: Record<string, Role> = {};
  for (const group of groups) {
    const grant = settings.groupRoles[group];
    if (grant === 'admin') admin = true;
    else if (grant) {
      for (const [slug, role] of Object.entries(grant))
        if (rank(role) > rank(roles[slug])) roles[slug] = role as Role;
    }
  }
  return { admin, roles };
}

/** The groups a token's claim lists: an array of names, or one space-separated string. */
function groupsOf(payload: JWTPayload, claim: string): string[] {
  const value = payload[claim];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return [];
}

/** Where the provider's keys are: as configured, or from its discovery document. */
async function jwksUrlOf(settings: OidcSettings): Promise<URL> {
  if (settings.jwksUrl) return new URL(settings.jwksUrl);
  const discovery = new URL(
    `${settings.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
  );
  const response = await fetch(discovery, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`OIDC discovery at ${discovery} answered ${response.status}`);
  const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: string };
  if (!jwksUri) throw new Error(`OIDC discovery at ${discovery} names no jwks_uri`);
  return new URL(jwksUri);
}

/**
 * A verifier of the provider's tokens: the actor a JWT stands for, or null when it does not
 * verify (bad signature, wrong issuer or audience, expired, no user claim). Keys are fetched
 * once and refreshed by jose when a token names a key it does not know. When the provider
 * cannot be reached, IdentityProviderUnavailable, remembered for a while.
 */
export function oidcVerifier(settings: OidcSettings) {
  let keys: JWTVerifyGetKey | null = null;
  let failure: { reason: string; until: number } | null = null;
  const unavailable = (reason: string) => {
    failure = { reason, until: Date.now() + RETRY_AFTER_SECONDS * 1000 };
    return new IdentityProviderUnavailable(reason, RETRY_AFTER_SECONDS);
  };
  // The provider's keys; a failure to fetch them is the provider's, not the token's.
  const keyOf: JWTVerifyGetKey = async (header, token) => {
    try {
      keys ??= createRemoteJWKSet(await jwksUrlOf(settings));
      return await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) throw error;
      throw unavailable(error instanceof Error ? error.message : String(error));
    }
  };
  return async (db: Queryable, jwt: string): Promise<Actor | null> => {
    if (failure && Date.now() < failure.until)
      throw new IdentityProviderUnavailable(
        failure.reason,
        Math.ceil((failure.until - Date.now()) / 1000),
      );
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, keyOf, {
        issuer: settings.issuer,
        audience: settings.audience,
        // A token that never expires is not one a hub should accept.
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (error instanceof IdentityProviderUnavailable) throw error;
      return null;
    }
    failure = null;
    const user = payload[settings.userClaim];
    if (typeof user !== 'string' || !user) return null;
    const granted = rolesOfGroups(settings, groupsOf(payload, settings.groupsClaim));
    const roles = { ...granted.roles };
    for (const [slug, role] of Object.entries(await memberRoles(db, oidcSubject(user))))
      if (rank(role) > rank(roles[slug])) roles[slug] = role;
    return {
      id: oidcSubject(user),
      kind: 'oidc',
      name: user,
      admin: granted.admin,
      roles,
      expiresAt: payload.exp ? new Date(payload.exp * 1000).toISOString() : null,
      tokenId: null,
    };
  };
}
