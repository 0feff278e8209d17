// Waiting for a registration whose content the hub hashes in the background: its progress,
// then the version it registered, or the typed error that stopped it (as a HubError).
import { print } from 'graphql';
import { type Connection, HubError } from './connection.ts';
import { RegistrationProgress } from './documents.ts';
import type {
  ClientRegistrationFieldsFragment,
  ClientRegistrationProgressSubscription,
} from './gql/graphql.ts';

export type ContentRegistration = ClientRegistrationFieldsFragment;

/** Subscriptions started again after a dropped connection (each begins with the state now). */
const MAX_RECONNECTS = 5;

/**
 * Follows the registration until it is done (its final state) or failed (HubError with the
 * error's type as `code`); `onProgress` is told the bytes hashed.
 */
export async function waitForRegistration(
  connection: Connection,
  id: string,
  onProgress: (bytesHashed: number, bytesTotal: number) => void = () => {},
): Promise<ContentRegistration> {
  for (let attempt = 0; ; attempt++) {
    const client = connection.subscriptions();
    try {
      const updates = client.iterate<ClientRegistrationProgressSubscription>({
        query: print(RegistrationProgress),
        variables: { id },
      });
      for await (const result of updates) {
        if (result.errors?.length) throw new HubError(String(result.errors[0]!.message));
        const registration = result.data!.contentRegistrationProgress;
        onProgress(registration.bytesHashed, registration.bytesTotal);
        if (registration.state === 'DONE') return registration;
        if (registration.state === 'FAILED') {
          const error = registration.error;
          throw new HubError(error?.message ?? 'the registration failed', null, {
            code: error?.__typename ?? null,
            path: error && 'path' in error ? error.path : null,
          });
        }
      }
      throw new HubError(`no content registration ${id} (or not visible to you)`);
    } catch (error) {
      if (error instanceof HubError || attempt >= MAX_RECONNECTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    } finally {
      await client.dispose();
    }
  }
}
