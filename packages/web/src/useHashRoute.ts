/**
 * Client-side routes in the URL hash, so that any server path serves the same shell:
 * `#/` worklist, `#/studies/<StudyInstanceUID>` study viewer.
 */
import { useEffect, useState } from 'react';

export type Route = { readonly page: 'worklist' } | { readonly page: 'study'; readonly studyInstanceUid: string };

export function parseHashRoute(hash: string): Route {
  const match = /^#\/studies\/([^/?]+)/.exec(hash);
  if (match?.[1] !== undefined) return { page: 'study', studyInstanceUid: decodeURIComponent(match[1]) };
  return { page: 'worklist' };
}

export function studyHref(studyInstanceUid: string): string {
  return `#/studies/${encodeURIComponent(studyInstanceUid)}`;
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseHashRoute(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseHashRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
