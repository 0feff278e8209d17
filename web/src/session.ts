// The API token of this browser tab, when the hub requires one: kept for the session only.

const KEY = 'evalhub.token';

export const session = {
  token: (): string | null => sessionStorage.getItem(KEY),
  signIn: (token: string) => sessionStorage.setItem(KEY, token),
  signOut: () => sessionStorage.removeItem(KEY),
  /** Headers for a request to the hub. */
  headers: (): Record<string, string> => {
    const token = sessionStorage.getItem(KEY);
    return token ? { authorization: `Bearer ${token}` } : {};
  },
};

/** Opens a file of the hub (a report, an artifact) with the session's token. */
export async function openHubFile(url: string, download?: string): Promise<void> {
  const response = await fetch(url, { headers: session.headers() });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  const href = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = href;
  if (download) link.download = download;
  else link.target = '_blank';
  link.click();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
