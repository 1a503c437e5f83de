/** The viewer shell: a header and either the worklist or one study, chosen by the URL hash. */
import type { CornerstoneRuntime } from './cornerstone/initCornerstone.js';
import type { VertebraApiClient } from '@vertebra/contracts';
import type { DicomwebClient } from './dicomweb/DicomwebClient.js';
import { useHashRoute } from './useHashRoute.js';
import { StudyViewer } from './viewer/StudyViewer.js';
import { Worklist } from './worklist/Worklist.js';

export function App(props: { client: DicomwebClient; runtime: CornerstoneRuntime; api: VertebraApiClient }) {
  const route = useHashRoute();
  return (
    <div className="app">
      <header className="app-header">
        <a href="#/" className="brand">
          Vertebra
        </a>
        <span className="subtitle">{route.page === 'worklist' ? 'Worklist' : 'Study viewer'}</span>
      </header>
      <main className="app-main">
        {route.page === 'worklist' ? (
          <Worklist client={props.client} />
        ) : (
          <StudyViewer key={route.studyInstanceUid} client={props.client} runtime={props.runtime} api={props.api} studyInstanceUid={route.studyInstanceUid} />
        )}
      </main>
    </div>
  );
}
