/** The viewer shell: a header (with who is signed in) and either the worklist or one study, chosen by the URL hash. */
import type { CornerstoneRuntime } from './cornerstone/initCornerstone.js';
import type { SessionInfo, VertebraApiClient } from '@vertebra/contracts';
import { SessionBadge } from './session/SessionBadge.js';
import type { DicomwebClient } from './dicomweb/DicomwebClient.js';
import { useHashRoute } from './useHashRoute.js';
import { StudyViewer } from './viewer/StudyViewer.js';
import { Worklist } from './worklist/Worklist.js';

export function App(props: { client: DicomwebClient; runtime: CornerstoneRuntime; api: VertebraApiClient; session: SessionInfo; onSignOut: () => void }) {
  const route = useHashRoute();
  return (
    <div className="app">
      <header className="app-header">
        <a href="#/" className="brand">
          Vertebra
        </a>
        <span className="subtitle">{route.page === 'worklist' ? 'Worklist' : 'Study viewer'}</span>
        <SessionBadge session={props.session} onSignOut={props.onSignOut} />
      </header>
      {props.session.role === 'researcher' && (
        <p className="notice" role="status">
          Researchers see de-identified data only: use the research API (/api/research/studies) or `vertebra export --deidentify`.
        </p>
      )}
      <main className="app-main">
        {route.page === 'worklist' ? (
          <Worklist client={props.client} api={props.api} />
        ) : (
          <StudyViewer key={route.studyInstanceUid} client={props.client} runtime={props.runtime} api={props.api} studyInstanceUid={route.studyInstanceUid} />
        )}
      </main>
    </div>
  );
}
