// DSSE, the Dead Simple Signing Envelope (github.com/secure-systems-lab/dsse, protocol and
// envelope v1): a signature covers PAE(payloadType, payload), never a re-serialised JSON, so
// a verifier checks the exact bytes it was given. Signatures are Ed25519 (Node's crypto).
import { createPublicKey, sign, verify } from 'node:crypto';
import type { SigningKey } from './signing-key.ts';

export interface DsseSignature {
  /** The id of the key (keyIdOf): a hint for finding it, not trusted by itself. */
  keyid: string;
  /** Base64 of the signature. */
  sig: string;
}

export interface DsseEnvelope {
  /** Base64 of the signed bytes. */
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/**
 * The pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, with
 * each LEN the byte length in ASCII decimal.
 */
export function pae(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${body.length} `),
    body,
  ]);
}

/** `body` signed with `key` in an envelope of `payloadType`. */
export function signEnvelope(payloadType: string, body: Uint8Array, key: SigningKey): DsseEnvelope {
  const signature = sign(null, pae(payloadType, body), key.privateKey);
  return {
    payload: Buffer.from(body).toString('base64'),
    payloadType,
    signatures: [{ keyid: key.keyId, sig: signature.toString('base64') }],
  };
}

export type EnvelopeCheck =
  | { ok: true; payload: Buffer; keyId: string }
  | { ok: false; problem: string };

function isEnvelope(value: unknown): value is DsseEnvelope {
  const envelope = value as DsseEnvelope | null;
  return (
    typeof envelope?.payload === 'string' &&
    typeof envelope.payloadType === 'string' &&
    Array.isArray(envelope.signatures) &&
    envelope.signatures.every(
      (signature) => typeof signature?.sig === 'string' && typeof signature.keyid === 'string',
    )
  );
}

/** Whether `sig` (base64) is a valid Ed25519 signature of `signed` by the key `pem`. */
function signatureHolds(signed: Buffer, pem: string, sig: string): boolean {
  try {
    return verify(null, signed, createPublicKey(pem), Buffer.from(sig, 'base64'));
  } catch {
    // A signature of the wrong length, or a key that is not one.
    return false;
  }
}

/**
 * Checks that `envelope` is of `payloadType` and carries a valid signature by one of
 * `keys` (SPKI PEM by key id); its payload when it does, what is wrong when not.
 */
export function verifyEnvelope(
  envelope: unknown,
  payloadType: string,
  keys: ReadonlyMap<string, string>,
): EnvelopeCheck {
  if (!isEnvelope(envelope)) return { ok: false, problem: 'it is not a DSSE envelope' };
  if (envelope.payloadType !== payloadType)
    return {
      ok: false,
      problem: `its payloadType is ${envelope.payloadType}, not ${payloadType}`,
    };
  if (!envelope.signatures.length) return { ok: false, problem: 'it has no signature' };
  const payload = Buffer.from(envelope.payload, 'base64');
  if (payload.toString('base64') !== envelope.payload.replace(/\s/g, ''))
    return { ok: false, problem: 'its payload is not valid base64' };
  const signed = pae(envelope.payloadType, payload);
  for (const { keyid, sig } of envelope.signatures) {
    const pem = keys.get(keyid);
    if (!pem) return { ok: false, problem: `it is signed by key ${keyid}, which is not known` };
    if (!signatureHolds(signed, pem, sig))
      return { ok: false, problem: `its signature by key ${keyid} does not verify` };
  }
  return { ok: true, payload, keyId: envelope.signatures[0]!.keyid };
}
