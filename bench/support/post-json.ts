// The one HTTP client of the benches: posts a JSON body and reads the JSON answer, with
// the fetch any Node program has. The hubs and the bare server are timed through it alike.

/** Posts `body` (already serialised) to `url` and returns the parsed answer. */
export async function postJson(url: string, body: string): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return response.json();
}
