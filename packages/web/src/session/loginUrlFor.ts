/** The sign-in page's URL that returns to `location` (path, query and hash) after login. */
export function loginUrlFor(location: { readonly pathname: string; readonly search: string; readonly hash: string }): string {
  return `/login?next=${encodeURIComponent(`${location.pathname}${location.search}${location.hash}`)}`;
}
