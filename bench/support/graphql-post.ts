// Posting GraphQL documents as text to a server, for benchmarks that compare servers or send
// documents built at run time: the answer's data, or an error with the server's messages.

export class GraphQLRequestError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Posts `query` with `variables` to `url`; throws GraphQLRequestError on errors or a non-200. */
export async function postGraphQL<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  signal?: AbortSignal,
): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new GraphQLRequestError(
      response.status,
      `HTTP ${response.status}: ${text.slice(0, 200)}`,
    );
  const body = JSON.parse(text) as { data: T; errors?: Array<{ message: string }> };
  if (body.errors?.length)
    throw new GraphQLRequestError(200, body.errors.map((e) => e.message).join('; '));
  return body.data;
}
