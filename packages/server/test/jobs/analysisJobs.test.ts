/**
 * Automatic CT analysis on a real server (issue 6, item 5): CT series sent by STOW-RS are
 * analysed in a worker thread after their quiet time, one at a time, and served by the REST
 * API; the STOW answer never waits for the analysis. A spine CT ends 'done' with labelled
 * vertebrae and body centroids (LPS mm); a head CT ends 'done' with status 'no-spine' and a
 * reason; undecodable pixels end 'failed' with the catalogue code and message; a short CT
 * series is recorded as not analysable, an MR series is ignored, a re-run is queued again
 * (202) and refused for what cannot be analysed; the worklist summary adds it up.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisStatusSummary, SeriesAnalysis } from '@vertebra/contracts';
import { createVertebraApiClient, ApiError } from '@vertebra/contracts';
import { makeTestInstance, newUid } from '../support/makeTestInstance.js';
import { breakRlePixelData, finished, headCt, listAnalyses, lumbarSpineCt, pollAnalyses, startAnalysisServer, stow, type AnalysisTestServer, type TestSeries } from './analysisTestSupport.js';

describe('analysis jobs on a running server', () => {
  let dataDir: string;
  let target: AnalysisTestServer;
  let spine: TestSeries;
  let head: TestSeries;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vertebra-analysis-jobs-'));
    target = await startAnalysisServer(dataDir, { quietMs: 200, concurrency: 1 });
    spine = lumbarSpineCt();
    head = headCt();
  });
  afterAll(async () => {
    await target?.server.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers STOW-RS before the analysis, then runs the jobs one at a time: spine → vertebrae with centroids, head → no-spine', async () => {
    const response = await stow(target.server.httpUrl, target.headers, [...spine.instances, ...head.instances]);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    // Ingest does not wait for analysis: when the answer came, the series sent last had not been analysed
    // (its job cannot even be queued before it has been quiet for quietMs after its last instance was stored).
    const atAnswer = await listAnalyses(target.api, target.headers, head.studyInstanceUid);
    expect(atAnswer.filter((a) => a.state === 'done' || a.state === 'failed')).toEqual([]);

    const { latest, seen } = await pollAnalyses(target, [spine.studyInstanceUid, head.studyInstanceUid], (l) => finished(l.get(spine.seriesInstanceUid)) && finished(l.get(head.seriesInstanceUid)));
    // One job at a time: one series waited 'queued' while the other was 'running'; both went on to 'done'.
    const sequences = [seen.get(spine.seriesInstanceUid)!, seen.get(head.seriesInstanceUid)!];
    expect(sequences.some((states) => states.includes('queued'))).toBe(true);
    for (const states of sequences) {
      expect(states).toContain('running');
      expect(states[states.length - 1]).toBe('done');
      expect(states.indexOf('running')).toBeLessThan(states.indexOf('done'));
    }

    const spineAnalysis = latest.get(spine.seriesInstanceUid)!;
    expect(spineAnalysis).toMatchObject({ studyInstanceUid: spine.studyInstanceUid, state: 'done', instanceCount: spine.instances.length, error: null });
    expect(spineAnalysis.frameOfReferenceUid).toMatch(/^[0-9.]+$/);
    expect(new Date(spineAnalysis.queuedAt) <= new Date(spineAnalysis.startedAt!)).toBe(true);
    expect(new Date(spineAnalysis.startedAt!) <= new Date(spineAnalysis.finishedAt!)).toBe(true);
    const result = spineAnalysis.result!;
    expect(result.status).toBe('ok');
    expect(result.algorithmVersion).toBeTruthy();
    const labels = result.vertebrae.map((v) => v.label);
    expect(labels).toEqual(expect.arrayContaining(['L1', 'L2', 'L3', 'L4', 'L5']));
    for (const v of result.vertebrae) {
      expect(v.centroidLps).toHaveLength(3);
      for (const c of v.centroidLps) expect(Number.isFinite(c)).toBe(true);
    }

    const headAnalysis = latest.get(head.seriesInstanceUid)!;
    expect(headAnalysis).toMatchObject({ state: 'done', instanceCount: head.instances.length, error: null });
    expect(headAnalysis.result!.status).toBe('no-spine');
    expect(headAnalysis.result!.reason).toMatch(/\w+/);
    expect(headAnalysis.result!.vertebrae).toEqual([]);

    // The worklist summary: done, the labels found, and 'none' for a study without analyses.
    const unknownStudy = newUid();
    const statusResponse = await fetch(`${target.api}/analysis-status?study=${spine.studyInstanceUid}&study=${head.studyInstanceUid}&study=${unknownStudy}`, { headers: target.headers });
    expect(statusResponse.status).toBe(200);
    const summary = (await statusResponse.json()) as AnalysisStatusSummary;
    expect(summary.statuses[spine.studyInstanceUid]).toEqual({ state: 'done', findings: result.findings.length, labels: labels.filter((l) => l !== null) });
    expect(summary.statuses[head.studyInstanceUid]).toEqual({ state: 'done', findings: 0, labels: [] });
    expect(summary.statuses[unknownStudy]).toEqual({ state: 'none', findings: 0, labels: [] });
  });

  it('fails a series whose pixel data cannot be decoded with the catalogue code and a message naming the instance', async () => {
    const broken = breakRlePixelData(headCt({ compression: 'rle', slices: 16 }), 5);
    const response = await stow(target.server.httpUrl, target.headers, broken.instances);
    expect(response.status).toBe(200); // stored: ingest reads headers; decoding is the analysis's business
    await response.arrayBuffer();
    const { latest } = await pollAnalyses(target, [broken.studyInstanceUid], (l) => finished(l.get(broken.seriesInstanceUid)));
    const analysis = latest.get(broken.seriesInstanceUid)!;
    expect(analysis.state).toBe('failed');
    expect(analysis.result).toBeNull();
    expect(analysis.instanceCount).toBe(16);
    expect(analysis.error?.code).toBe('DICOM_DECODE_FAILED');
    expect(analysis.error?.message).toMatch(/RLE header declares 7 segments/);
  });

  it('records a short CT series as not analysable, ignores MR, and answers re-runs: 202 queued, 404 unknown, 409 not CT', async () => {
    const study = newUid();
    const shortSeries = newUid();
    const mrSeries = newUid();
    const short = [1, 2, 3].map((n) => makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: shortSeries, instanceNumber: n }).bytes);
    const mr = [1, 2, 3].map((n) => makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: mrSeries, modality: 'MR', instanceNumber: n }).bytes);
    const response = await stow(target.server.httpUrl, target.headers, [...short, ...mr]);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const { latest } = await pollAnalyses(target, [study], (l) => finished(l.get(shortSeries)));
    expect(latest.get(shortSeries)).toMatchObject({ state: 'failed', error: { code: 'ANALYSIS_NOT_APPLICABLE' } });
    expect(latest.get(shortSeries)!.error!.message).toMatch(/has 3 slices; the spine analysis needs at least 10/);
    expect(latest.has(mrSeries)).toBe(false);

    const api = createVertebraApiClient({ baseUrl: target.api, requestHeaders: () => target.headers });
    await expect(api.rerunAnalysis(study, mrSeries)).rejects.toMatchObject({ status: 409, code: 'ANALYSIS_NOT_APPLICABLE', message: expect.stringMatching(/is MR, not CT/) });
    await expect(api.rerunAnalysis(study, shortSeries)).rejects.toMatchObject({ status: 409, code: 'ANALYSIS_NOT_APPLICABLE' });
    const unknown = await api.rerunAnalysis(study, newUid()).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(ApiError);
    expect(unknown).toMatchObject({ status: 404, code: 'ARCHIVE_NOT_FOUND' });
    const invalid = await fetch(`${target.api}/studies/${study}/series/not-a-uid/analysis`, { method: 'POST', headers: target.headers });
    expect(invalid.status).toBe(400);
    await invalid.arrayBuffer();

    // Re-run of the finished head CT: queued again at once, then done again with a later finish time.
    const before = (await listAnalyses(target.api, target.headers, head.studyInstanceUid)).find((a) => a.seriesInstanceUid === head.seriesInstanceUid)!;
    expect(before.state).toBe('done');
    const queued: SeriesAnalysis = await api.rerunAnalysis(head.studyInstanceUid, head.seriesInstanceUid);
    expect(queued).toMatchObject({ seriesInstanceUid: head.seriesInstanceUid, state: 'queued', result: null, error: null, startedAt: null, finishedAt: null });
    const again = await pollAnalyses(target, [head.studyInstanceUid], (l) => finished(l.get(head.seriesInstanceUid)));
    const rerun = again.latest.get(head.seriesInstanceUid)!;
    expect(rerun.state).toBe('done');
    expect(rerun.result!.status).toBe('no-spine');
    expect(new Date(rerun.finishedAt!) > new Date(before.finishedAt!)).toBe(true);

    // The client's status call and the cap on studies per request.
    expect((await api.getAnalysisStatus([study])).statuses[study]).toEqual({ state: 'failed', findings: 0, labels: [] });
    const tooMany = Array.from({ length: 201 }, () => newUid());
    await expect(api.getAnalysisStatus(tooMany)).rejects.toMatchObject({ status: 400, code: 'REQUEST_INVALID_PARAMETER', message: expect.stringMatching(/at most 200/) });
    const none = await fetch(`${target.api}/analysis-status`, { headers: target.headers });
    expect(none.status).toBe(400);
    await none.arrayBuffer();
    expect(await api.listAnalyses(study)).toHaveLength(1);
  });
});
