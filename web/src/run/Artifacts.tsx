// A run's artifacts: each can be downloaded; images and SVG charts are shown on the page.
// The bytes are fetched with the session's token (an <img src> could not send it) and shown
// through an <img>, in which an SVG runs no script.
import { useEffect, useState } from 'react';
import { Digest } from '../parts/common.tsx';
import { openHubFile, session } from '../session.ts';
import './run.css';

interface Artifact {
  id: string;
  name: string;
  mediaType: string;
  digest: string;
  sizeBytes: number;
  url: string;
}

const SHOWN = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml']);

function Preview({ artifact }: { artifact: Artifact }) {
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let href: string | null = null;
    let live = true;
    fetch(artifact.url, { headers: session.headers() })
      .then(async (response) => {
        if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
        const blob = await response.blob();
        href = URL.createObjectURL(new Blob([blob], { type: artifact.mediaType }));
        if (live) setSrc(href);
      })
      .catch((error: Error) => live && setFailed(error.message));
    return () => {
      live = false;
      if (href) URL.revokeObjectURL(href);
    };
  }, [artifact.url, artifact.mediaType]);
  if (failed) return <span className="error"> (could not show it: {failed})</span>;
  return src ? <img src={src} alt={`${artifact.name}, an artifact of the run`} /> : null;
}

export function Artifacts({ artifacts }: { artifacts: Artifact[] }) {
  if (!artifacts.length) return <p className="muted">None.</p>;
  return (
    <ul className="artifacts">
      {artifacts.map((a) => (
        <li key={a.id}>
          <button type="button" className="link" onClick={() => openHubFile(a.url, a.name)}>
            {a.name}
          </button>{' '}
          <span className="muted">
            {a.mediaType}, {a.sizeBytes} bytes
          </span>{' '}
          <Digest value={a.digest} />
          {SHOWN.has(a.mediaType) && <Preview artifact={a} />}
        </li>
      ))}
    </ul>
  );
}
