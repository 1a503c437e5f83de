/** Who is signed in, with their role, and the sign-out button, in the app header. */
import type { SessionInfo } from '@vertebra/contracts';

export function SessionBadge(props: { session: SessionInfo; onSignOut: () => void }) {
  return (
    <span className="session-badge" data-username={props.session.username}>
      <span className="session-user">{props.session.username}</span>
      <span className="session-role">{props.session.role}</span>
      <button type="button" className="session-signout" onClick={props.onSignOut}>
        Sign out
      </button>
    </span>
  );
}
