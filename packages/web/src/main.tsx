/**
 * Entry point: asks the server who is signed in (the session cookie set by /login), then
 * starts Cornerstone3D once and mounts the app against this server's DICOMweb service and
 * REST API. Every request carries the X-Requested-With marker and, for unsafe methods, the
 * session's CSRF token; any 401 (session expired, signed out elsewhere) goes to /login and
 * comes back to the same place afterwards.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, createVertebraApiClient, csrfHeaderName, xhrMarkerHeader, type SessionInfo } from '@vertebra/contracts';
import { App } from './App.js';
import { initCornerstone } from './cornerstone/initCornerstone.js';
import { createDicomwebClient } from './dicomweb/DicomwebClient.js';
import { loginUrlFor } from './session/loginUrlFor.js';
import './styles.css';

function goToLogin(): void {
  window.location.assign(loginUrlFor(window.location));
}

async function start(rootElement: HTMLElement): Promise<void> {
  let session: SessionInfo | undefined;
  const api = createVertebraApiClient({
    baseUrl: `${window.location.origin}/api`,
    requestHeaders: () => ({ ...xhrMarkerHeader, ...(session?.csrfToken ? { [csrfHeaderName]: session.csrfToken } : {}) }),
    onUnauthorized: goToLogin,
  });
  try {
    session = await api.getSession();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // onUnauthorized is on its way to /login
    rootElement.textContent = `Vertebra cannot reach its server: ${error instanceof Error ? error.message : String(error)}`;
    return;
  }
  const runtime = initCornerstone();
  const client = createDicomwebClient(`${window.location.origin}/dicomweb`, { onUnauthorized: goToLogin });
  const signOut = async (): Promise<void> => {
    await api.logout().catch(() => undefined);
    goToLogin();
  };
  createRoot(rootElement).render(
    <StrictMode>
      <App client={client} runtime={runtime} api={api} session={session} onSignOut={signOut} />
    </StrictMode>,
  );
}

const rootElement = document.getElementById('root');
if (rootElement !== null) void start(rootElement);
