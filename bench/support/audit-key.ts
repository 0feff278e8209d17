// The audit key of every hub a benchmark starts: a process writes the audit chain with one
// key only, and PostgreSQL needs one given (EVALHUB_AUDIT_KEY when set, else a random one).
import { randomBytes } from 'node:crypto';

export const benchAuditKey = process.env.EVALHUB_AUDIT_KEY || randomBytes(32).toString('hex');
