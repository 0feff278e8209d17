// The layout and the routes: every page has its own address under /ui/, so links can be
// shared and the back button works.
import { lazy, Suspense, useState } from 'react';
import { Provider } from 'urql';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter';
import { createHubClient } from './client.ts';
import { Login } from './pages/Login.tsx';
import { Runs } from './pages/Runs.tsx';
import { session } from './session.ts';

const Run = lazy(() => import('./pages/Run.tsx'));
const Findings = lazy(() => import('./pages/Findings.tsx'));
const Lineage = lazy(() => import('./pages/Lineage.tsx'));
const Search = lazy(() => import('./pages/Search.tsx'));
const Registry = lazy(() => import('./pages/Registry.tsx'));
const Start = lazy(() => import('./pages/Start.tsx'));
const Compare = lazy(() => import('./pages/Compare.tsx'));

const sections = [
  ['/runs', 'Runs'],
  ['/findings', 'Findings'],
  ['/lineage', 'Lineage'],
  ['/search', 'Search'],
  ['/registry', 'Registry'],
  ['/start', 'Start a run'],
] as const;

function Shell() {
  const [location, navigate] = useLocation();
  // One client for the tab; it reads the session's token on each request.
  const [client] = useState(() =>
    createHubClient(() => {
      const here = window.location.pathname.replace(/^\/ui/, '') + window.location.search;
      if (!here.startsWith('/login'))
        window.location.assign(`/ui/login?next=${encodeURIComponent(here)}`);
    }),
  );
  return (
    <Provider value={client}>
      <header>
        <nav aria-label="Sections">
          <Link href="/runs" className="brand">
            evalhub
          </Link>
          {sections.map(([href, label]) => (
            <Link
              key={href}
              href={href}
              aria-current={location.startsWith(href) ? 'page' : undefined}
            >
              {label}
            </Link>
          ))}
          <a href="/graphiql">GraphiQL</a>
          {session.token() && (
            <button
              type="button"
              className="link"
              onClick={() => {
                session.signOut();
                navigate('/login');
              }}
            >
              Sign out
            </button>
          )}
        </nav>
      </header>
      <main>
        <Suspense fallback={<p>Loading…</p>}>
          <Switch>
            <Route path="/login" component={Login} />
            <Route path="/runs" component={Runs} />
            <Route path="/runs/:id">{(params) => <Run key={params.id} id={params.id} />}</Route>
            <Route path="/findings" component={Findings} />
            <Route path="/lineage" component={Lineage} />
            <Route path="/search" component={Search} />
            <Route path="/registry" component={Registry} />
            <Route path="/start" component={Start} />
            <Route path="/compare" component={Compare} />
            <Route path="/">
              <Redirect to="/runs" replace />
            </Route>
            <Route>
              <h1>Not found</h1>
              <p>Nothing at this address.</p>
            </Route>
          </Switch>
        </Suspense>
      </main>
    </Provider>
  );
}

export function App() {
  return (
    <Router base="/ui">
      <Shell />
    </Router>
  );
}
