/**
 * The worklist: QIDO-RS study search (patient name / ID, study date range, modality, body
 * part) and a table of studies with their analysis status (GET /api/analysis-status: state,
 * findings, labelled levels); a row opens the study viewer. State of the search is in
 * `data-worklist-state` (loading / ready / error) for tests and assistive tools.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { StudySearchCriteria } from '../dicomweb/buildStudyQuery.js';
import type { StudyAnalysisStatus, VertebraApiClient } from '@vertebra/contracts';
import { analysisStatusText } from '../analysis/describeAnalysis.js';
import type { DicomwebClient } from '../dicomweb/DicomwebClient.js';
import type { StudySummary } from '../dicomweb/StudySummary.js';
import { studyHref } from '../useHashRoute.js';

const modalities = ['', 'CT', 'MR', 'CR', 'DX', 'XA', 'RF', 'PT', 'NM', 'US'];
const pageSize = 100;
/** BodyPartExamined values of spine imaging (PS3.16 CID 4031) offered as suggestions; any text is accepted. */
const bodyPartSuggestions = ['SPINE', 'CSPINE', 'TSPINE', 'LSPINE', 'SSPINE', 'COCCYX', 'CHEST', 'ABDOMEN', 'PELVIS', 'NECK', 'HEAD'];

type StatusState = { readonly status: 'loading' } | { readonly status: 'ready'; readonly statuses: Readonly<Record<string, StudyAnalysisStatus>> } | { readonly status: 'error'; readonly message: string };


type SearchState = { readonly status: 'loading' } | { readonly status: 'ready'; readonly studies: readonly StudySummary[] } | { readonly status: 'error'; readonly message: string };

/** Analysis status of many studies, in requests of at most 200 (the server's cap per request). */
async function analysisStatuses(api: VertebraApiClient, studyInstanceUids: readonly string[], signal: AbortSignal): Promise<Record<string, StudyAnalysisStatus>> {
  const found: Record<string, StudyAnalysisStatus> = {};
  for (let first = 0; first < studyInstanceUids.length; first += 200) {
    Object.assign(found, (await api.getAnalysisStatus(studyInstanceUids.slice(first, first + 200), signal)).statuses);
  }
  return found;
}

export function Worklist(props: { client: DicomwebClient; api: VertebraApiClient }) {
  const [criteria, setCriteria] = useState<StudySearchCriteria>({});
  const [submitted, setSubmitted] = useState<StudySearchCriteria>({});
  const [search, setSearch] = useState<SearchState>({ status: 'loading' });
  const [statuses, setStatuses] = useState<StatusState>({ status: 'loading' });

  useEffect(() => {
    if (search.status !== 'ready') return;
    const abort = new AbortController();
    setStatuses({ status: 'loading' });
    analysisStatuses(props.api, search.studies.map((s) => s.studyInstanceUid), abort.signal)
      .then((found) => setStatuses({ status: 'ready', statuses: found }))
      .catch((error: unknown) => {
        if (!abort.signal.aborted) setStatuses({ status: 'error', message: error instanceof Error ? error.message : String(error) });
      });
    return () => abort.abort();
  }, [props.api, search]);

  useEffect(() => {
    const abort = new AbortController();
    setSearch({ status: 'loading' });
    props.client
      .searchStudies({ ...submitted, limit: pageSize }, abort.signal)
      .then((studies) => setSearch({ status: 'ready', studies }))
      .catch((error: unknown) => {
        if (!abort.signal.aborted) setSearch({ status: 'error', message: error instanceof Error ? error.message : String(error) });
      });
    return () => abort.abort();
  }, [props.client, submitted]);

  const onSubmit = useCallback(
    (event: FormEvent) => {
      event.preventDefault();
      setSubmitted({ ...criteria });
    },
    [criteria],
  );
  const field = (key: keyof StudySearchCriteria) => ({
    value: String(criteria[key] ?? ''),
    onChange: (event: { target: { value: string } }) => setCriteria((c) => ({ ...c, [key]: event.target.value })),
  });

  return (
    <section className="worklist" data-worklist-state={search.status}>
      <form className="worklist-search" onSubmit={onSubmit} aria-label="Study search">
        <label>
          Patient name
          <input name="patientName" type="search" placeholder="Doe^John or part of it" {...field('patientName')} />
        </label>
        <label>
          Patient ID
          <input name="patientId" type="search" {...field('patientId')} />
        </label>
        <label>
          From
          <input name="dateFrom" type="date" {...field('dateFrom')} />
        </label>
        <label>
          To
          <input name="dateTo" type="date" {...field('dateTo')} />
        </label>
        <label>
          Modality
          <select name="modality" {...field('modality')}>
            {modalities.map((m) => (
              <option key={m} value={m}>
                {m === '' ? 'any' : m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Body part
          <input name="bodyPart" type="search" list="body-part-suggestions" placeholder="LSPINE, SPINE…" {...field('bodyPart')} />
          <datalist id="body-part-suggestions">
            {bodyPartSuggestions.map((b) => (
              <option key={b} value={b} />
            ))}
          </datalist>
        </label>
        <button type="submit">Search</button>
      </form>
      {search.status === 'error' && (
        <p className="error" role="alert">
          Search failed: {search.message}
        </p>
      )}
      {search.status === 'loading' && <p className="muted">Searching…</p>}
      {search.status === 'ready' && (
        <table className="worklist-table">
          <thead>
            <tr>
              <th aria-label="Thumbnail" />
              <th>Patient</th>
              <th>Patient ID</th>
              <th>Date</th>
              <th>Modalities</th>
              <th>Description</th>
              <th>Accession</th>
              <th>Series</th>
              <th>Images</th>
              <th title={statuses.status === 'error' ? `Analysis status unavailable: ${statuses.message}` : 'Spine analysis: state, findings, labelled levels'}>Analysis</th>
            </tr>
          </thead>
          <tbody>
            {search.studies.length === 0 && (
              <tr>
                <td colSpan={10} className="muted">
                  No studies match.
                </td>
              </tr>
            )}
            {search.studies.map((study) => (
              <tr
                key={study.studyInstanceUid}
                className="study-row"
                data-study-uid={study.studyInstanceUid}
                tabIndex={0}
                onClick={() => {
                  window.location.hash = studyHref(study.studyInstanceUid);
                }}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') window.location.hash = studyHref(study.studyInstanceUid);
                }}
              >
                <td className="thumb">
                  <img src={props.client.thumbnailUrl(study.studyInstanceUid)} alt="" width={48} height={48} loading="lazy" />
                </td>
                <td>
                  <a href={studyHref(study.studyInstanceUid)}>{study.patientName || '(no name)'}</a>
                </td>
                <td>{study.patientId}</td>
                <td>{study.studyDate}</td>
                <td>{study.modalities.join(', ')}</td>
                <td>{study.description}</td>
                <td>{study.accessionNumber}</td>
                <td>{study.seriesCount ?? ''}</td>
                <td>{study.instanceCount ?? ''}</td>
                {(() => {
                  const status = statuses.status === 'ready' ? statuses.statuses[study.studyInstanceUid] : undefined;
                  return (
                    <td
                      className="analysis-cell"
                      data-analysis-state={statuses.status === 'ready' ? (status?.state ?? 'none') : statuses.status}
                      data-findings={status?.findings ?? ''}
                      data-labels={status?.labels.join(',') ?? ''}
                    >
                      {statuses.status === 'ready' ? analysisStatusText(status) : statuses.status === 'loading' ? '…' : '?'}
                    </td>
                  );
                })()}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
