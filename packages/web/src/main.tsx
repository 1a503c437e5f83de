/** Entry point: starts Cornerstone3D once and mounts the app against this server's DICOMweb service and REST API. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { initCornerstone } from './cornerstone/initCornerstone.js';
import { createDicomwebClient } from './dicomweb/DicomwebClient.js';
import { createVertebraApiClient } from '@vertebra/contracts';
import './styles.css';

const rootElement = document.getElementById('root');
if (rootElement !== null) {
  const runtime = initCornerstone();
  const client = createDicomwebClient(`${window.location.origin}/dicomweb`);
  const api = createVertebraApiClient({ baseUrl: `${window.location.origin}/api` });
  createRoot(rootElement).render(
    <StrictMode>
      <App client={client} runtime={runtime} api={api} />
    </StrictMode>,
  );
}
