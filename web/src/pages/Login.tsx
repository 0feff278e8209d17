// Sign in with an API token, when the hub requires one: kept for this tab's session only.
import { useState } from 'react';
import { useLocation, useSearchParams } from 'wouter';
import { session } from '../session.ts';

export function Login() {
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [, navigate] = useLocation();
  const [params] = useSearchParams();
  return (
    <>
      <h1>Sign in</h1>
      <p>This hub asks for an API token (`evalhub token create`, or from your administrator).</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const response = await fetch('/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query: '{ __typename }' }),
          });
          if (!response.ok) return setProblem('The hub does not accept this token.');
          session.signIn(token);
          const next = params.get('next');
          navigate(next && next !== '/login' ? next : '/runs', { replace: true });
        }}
      >
        <label>
          API token{' '}
          <input
            type="password"
            autoComplete="off"
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
        </label>{' '}
        <button type="submit">Sign in</button>
        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
      </form>
    </>
  );
}
