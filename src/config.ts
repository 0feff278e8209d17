// Configuration from environment variables; README.md lists them.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Roles a group of the OIDC provider grants: "admin", or a role by project slug ("*": all). */
export type GroupRoles = Record<string, 'admin' | Record<string, string>>;

export interface AuthConfig {
  /**
   * `auto`: on a loopback address over the embedded database, requests without a token act
   * as the local operator; anything else needs a token. `required`: a token, always.
   */
  mode: 'auto' | 'required';
  /** The team's OIDC provider, when its tokens are accepted. */
  oidc: {
    issuer: string;
    audience: string;
    jwksUrl: string | null;
    userClaim: string;
    groupsClaim: string;
    groupRoles: GroupRoles;
  } | null;
}

/** What the hub may read and run on its host (README, "The host"). */
export interface HostConfig {
  /**
   * EVALHUB_DATA_ROOTS: folders local paths must lie in, for every project; null (unset): the
   * local operator's home only.
   */
  dataRoots: string[] | null;
  /** EVALHUB_DATA_ROOTS entries `project=/path`: folders only that project's versions read. */
  projectDataRoots: Record<string, string[]>;
  maxContentBytes: number;
  maxContentFiles: number;
  /** EVALHUB_INLINE_HASH_BYTES: local content of more bytes is hashed in the background. */
  inlineHashBytes: number;
  /** EVALHUB_PROJECT_UPLOAD_QUOTA_BYTES: most bytes of uploads one project may keep; null: no limit. */
  projectUploadQuotaBytes: number | null;
  /** Programs the command runner may run (absolute paths, optionally pinned); none: it is off. */
  commandAllow: Array<{ path: string; sha256: string | null }>;
  /** The PATH the command runner's programs get. */
  commandPath: string;
}

/** What one GraphQL document may ask for. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  /** Sum of the weights of expensive fields (search, trace...) one operation may select. */
  maxExpensive: number;
  /** Objects one operation may fetch, lists multiplying what they select. */
  maxCost: number;
  /** Weight of expensive fields each token or OIDC user may spend a minute. */
  expensivePerMinute: number;
}

export interface HubConfig {
  port: number;
  host: string;
  /** PostgreSQL connection string; the embedded database is used when absent. */
  databaseUrl: string | undefined;
  /** Folder of the embedded database, or `memory://`. */
  dataDir: string;
  /**
   * The audit chain's key (EVALHUB_AUDIT_KEY); needed with PostgreSQL. The embedded
   * database keeps one of its own in its folder when none is given.
   */
  auditKey: string | undefined;
  /**
   * The path of the Ed25519 key (PKCS#8 PEM) evidence is signed with (EVALHUB_SIGNING_KEY);
   * needed with PostgreSQL. The embedded database keeps one of its own in its folder.
   */
  signingKey: string | undefined;
  /** Name of the local actor that requests act as. */
  actorName: string;
  /** Runs executed at once by this process (0: none; `evalhub worker` processes do it). */
  workers: number;
  /** How long a worker holds a run without renewing its lease. */
  leaseMs: number;
  /** How long a cancelled runner has to stop before it is given up on. */
  cancelGraceMs: number;
  /** EVALHUB_EXTERNAL_RUN_TIMEOUT_SECONDS: an external run with no append for this long fails. */
  externalRunTimeoutMs: number;
  /** Files with runner modules of your own, besides the built-in ones. */
  runnerModules: string[];
  /** Where runs get their scratch folders. */
  workDir: string;
  /**
   * Where datasets that runs make (perturbed copies...) are kept, content-addressed. Workers
   * on other machines and the runs that read those datasets must see the same folder.
   */
  storeDir: string;
  auth: AuthConfig;
  /** The Chromium that prints PDF reports; null when there is none. */
  chromium: string | null;
  /** How long Chromium may take to print one report before it is killed. */
  pdfTimeoutMs: number;
  hostConfig: HostConfig;
  /** EVALHUB_ALLOWED_ORIGINS: browser origins besides the hub's own that may change state. */
  allowedOrigins: string[];
  /** EVALHUB_ALLOWED_HOSTS: names (Host header) the hub answers to besides its address. */
  allowedHosts: string[];
  /** What one GraphQL document may ask for (EVALHUB_MAX_*). */
  queryLimits: QueryLimits;
  /** EVALHUB_INTROSPECTION=on: token and OIDC callers may introspect (the operator always may). */
  introspection: boolean;
  /** EVALHUB_REQUEST_TIMEOUT_MS: longest a request, and one SQL statement on PostgreSQL, may take. */
  requestTimeoutMs: number;
  /**
   * EVALHUB_PUBLIC_URL: the hub's address as its users reach it (behind a proxy, say), the
   * base of the absolute URLs it gives (artifacts); its own listening address when unset.
   */
  publicUrl: string | null;
}

/** Debian's (and most distributions') Chromium, used when EVALHUB_CHROMIUM does not say. */
const DEFAULT_CHROMIUM = '/usr/bin/chromium';

function number(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new Error(`${name} must be a number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return parsed;
}

/** A comma-separated setting's items. */
function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function integer(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const parsed = number(name, value, fallback, min, max);
  if (!Number.isInteger(parsed))
    throw new Error(`${name} must be a whole number, not ${JSON.stringify(value)}`);
  return parsed;
}

function onOff(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'off') return false;
  if (value === 'on') return true;
  throw new Error(`${name} is "on" or "off", not ${JSON.stringify(value)}`);
}

const ROLE_NAMES = ['viewer', 'contributor', 'maintainer'];

/** EVALHUB_OIDC_GROUP_ROLES: {"group": "admin" | {"project": "role", "*": "role"}}. */
function groupRoles(value: string | undefined): GroupRoles {
  if (!value) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error('EVALHUB_OIDC_GROUP_ROLES is JSON: {"group": "admin" | {"project": "role"}}');
  }
  const valid =
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every(
      (grant) =>
        grant === 'admin' ||
        (grant !== null &&
          typeof grant === 'object' &&
          Object.values(grant).every((role) => ROLE_NAMES.includes(role as string))),
    );
  if (!valid) {
    throw new Error(
      `EVALHUB_OIDC_GROUP_ROLES maps each group to "admin" or to {"project": role} with a role of ${ROLE_NAMES.join(', ')}`,
    );
  }
  return parsed as GroupRoles;
}

function authConfig(env: NodeJS.ProcessEnv): AuthConfig {
  const mode = env.EVALHUB_AUTH || 'auto';
  if (mode !== 'auto' && mode !== 'required')
    throw new Error(`EVALHUB_AUTH is "auto" or "required", not ${JSON.stringify(mode)}`);
  const issuer = env.EVALHUB_OIDC_ISSUER;
  if (!issuer) return { mode, oidc: null };
  if (!env.EVALHUB_OIDC_AUDIENCE)
    throw new Error('EVALHUB_OIDC_AUDIENCE is needed with EVALHUB_OIDC_ISSUER (the client id)');
  return {
    mode,
    oidc: {
      issuer,
      audience: env.EVALHUB_OIDC_AUDIENCE,
      jwksUrl: env.EVALHUB_OIDC_JWKS_URL || null,
      userClaim: env.EVALHUB_OIDC_USER_CLAIM || 'sub',
      groupsClaim: env.EVALHUB_OIDC_GROUPS_CLAIM || 'groups',
      groupRoles: groupRoles(env.EVALHUB_OIDC_GROUP_ROLES),
    },
  };
}

const ALLOWED_PROGRAM = /^(\/[^@]*)(?:@sha256:([0-9a-f]{64}))?$/;

/** EVALHUB_COMMAND_ALLOW: comma-separated absolute paths, each optionally `@sha256:<hex>`. */
function commandAllow(value: string | undefined): HostConfig['commandAllow'] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = ALLOWED_PROGRAM.exec(entry);
      if (!match)
        throw new Error(
          `EVALHUB_COMMAND_ALLOW lists absolute paths, each optionally @sha256:<64 hex>, not ${JSON.stringify(entry)}`,
        );
      return { path: match[1]!, sha256: match[2] ?? null };
    });
}

/** A project's own data root in EVALHUB_DATA_ROOTS: `slug=/absolute/path`. */
const PROJECT_ROOT = /^([a-z0-9][a-z0-9-]*)=(\/.*)$/;

function hostConfig(env: NodeJS.ProcessEnv): HostConfig {
  const entries = env.EVALHUB_DATA_ROOTS?.split(':').filter(Boolean) ?? null;
  const roots: string[] = [];
  const projectDataRoots: Record<string, string[]> = {};
  for (const entry of entries ?? []) {
    const own = PROJECT_ROOT.exec(entry);
    if (own) projectDataRoots[own[1]!] = [...(projectDataRoots[own[1]!] ?? []), own[2]!];
    else if (entry.startsWith('/')) roots.push(entry);
    else
      throw new Error(
        `EVALHUB_DATA_ROOTS lists absolute paths (every project's) or project=/path (one project's), separated by ":", not ${JSON.stringify(entry)}`,
      );
  }
  return {
    dataRoots: entries && roots,
    projectDataRoots,
    maxContentBytes: integer(
      'EVALHUB_MAX_CONTENT_BYTES',
      env.EVALHUB_MAX_CONTENT_BYTES,
      2 ** 40,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    maxContentFiles: integer(
      'EVALHUB_MAX_CONTENT_FILES',
      env.EVALHUB_MAX_CONTENT_FILES,
      1_000_000,
      0,
      100_000_000,
    ),
    inlineHashBytes: integer(
      'EVALHUB_INLINE_HASH_BYTES',
      env.EVALHUB_INLINE_HASH_BYTES,
      64 * 2 ** 20,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    projectUploadQuotaBytes: env.EVALHUB_PROJECT_UPLOAD_QUOTA_BYTES
      ? integer(
          'EVALHUB_PROJECT_UPLOAD_QUOTA_BYTES',
          env.EVALHUB_PROJECT_UPLOAD_QUOTA_BYTES,
          0,
          0,
          Number.MAX_SAFE_INTEGER,
        )
      : null,
    commandAllow: commandAllow(env.EVALHUB_COMMAND_ALLOW),
    commandPath: env.EVALHUB_COMMAND_PATH || '/usr/local/bin:/usr/bin:/bin',
  };
}

function publicUrl(value: string | undefined): string | null {
  if (!value) return null;
  const url = URL.parse(value);
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash)
    throw new Error(
      'EVALHUB_PUBLIC_URL is an http(s) URL with no query, e.g. https://evalhub.example.org',
    );
  return url.href.replace(/\/+$/, '');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  return {
    port: integer('PORT', env.PORT, 4000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.EVALHUB_DATA_DIR || './.evalhub/data',
    auditKey: env.EVALHUB_AUDIT_KEY || undefined,
    signingKey: env.EVALHUB_SIGNING_KEY || undefined,
    actorName: env.EVALHUB_ACTOR || env.USER || 'operator',
    workers: integer('EVALHUB_WORKERS', env.EVALHUB_WORKERS, 2, 0, 256),
    leaseMs: number('EVALHUB_LEASE_SECONDS', env.EVALHUB_LEASE_SECONDS, 30, 0.5, 3600) * 1000,
    cancelGraceMs:
      number('EVALHUB_CANCEL_GRACE_SECONDS', env.EVALHUB_CANCEL_GRACE_SECONDS, 10, 0, 3600) * 1000,
    externalRunTimeoutMs:
      number(
        'EVALHUB_EXTERNAL_RUN_TIMEOUT_SECONDS',
        env.EVALHUB_EXTERNAL_RUN_TIMEOUT_SECONDS,
        3600,
        0.1,
        30 * 24 * 3600,
      ) * 1000,
    runnerModules: list(env.EVALHUB_RUNNER_MODULES),
    workDir: env.EVALHUB_WORK_DIR || join(tmpdir(), 'evalhub-work'),
    storeDir: env.EVALHUB_STORE_DIR || './.evalhub/store',
    auth: authConfig(env),
    chromium: env.EVALHUB_CHROMIUM || (existsSync(DEFAULT_CHROMIUM) ? DEFAULT_CHROMIUM : null),
    pdfTimeoutMs:
      number('EVALHUB_PDF_TIMEOUT_SECONDS', env.EVALHUB_PDF_TIMEOUT_SECONDS, 60, 1, 3600) * 1000,
    hostConfig: hostConfig(env),
    allowedOrigins: list(env.EVALHUB_ALLOWED_ORIGINS),
    allowedHosts: list(env.EVALHUB_ALLOWED_HOSTS).map((name) => name.toLowerCase()),
    queryLimits: {
      maxDepth: integer('EVALHUB_MAX_DEPTH', env.EVALHUB_MAX_DEPTH, 12, 1, 1000),
      maxAliases: integer('EVALHUB_MAX_ALIASES', env.EVALHUB_MAX_ALIASES, 30, 0, 100000),
      maxDirectives: integer('EVALHUB_MAX_DIRECTIVES', env.EVALHUB_MAX_DIRECTIVES, 50, 0, 100000),
      maxTokens: integer('EVALHUB_MAX_TOKENS', env.EVALHUB_MAX_TOKENS, 5000, 100, 1000000),
      maxExpensive: integer('EVALHUB_MAX_EXPENSIVE', env.EVALHUB_MAX_EXPENSIVE, 50, 1, 100000),
      maxCost: integer('EVALHUB_MAX_COST', env.EVALHUB_MAX_COST, 200000, 1, 1e9),
      expensivePerMinute: integer(
        'EVALHUB_RATE_LIMIT_EXPENSIVE',
        env.EVALHUB_RATE_LIMIT_EXPENSIVE,
        1200,
        1,
        1e9,
      ),
    },
    introspection: onOff('EVALHUB_INTROSPECTION', env.EVALHUB_INTROSPECTION),
    requestTimeoutMs: integer(
      'EVALHUB_REQUEST_TIMEOUT_MS',
      env.EVALHUB_REQUEST_TIMEOUT_MS,
      30000,
      100,
      3600000,
    ),
    publicUrl: publicUrl(env.EVALHUB_PUBLIC_URL),
  };
}
