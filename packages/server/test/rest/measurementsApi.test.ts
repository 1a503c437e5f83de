/**
 * The REST API for measurements and calibrations (issue 5) on the real app: buildApp +
 * openArchive on a temp dir (SQLite), over loopback HTTP with the typed client from
 * @vertebra/contracts. Covers create/list/update/delete, export as a JSON download,
 * calibrations, and 400s that name the field at fault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createVertebraApiClient, type MeasurementInput, type VertebraApiClient } from '@vertebra/contracts';
import { makeTestInstance, newUid } from '../support/makeTestInstance.js';
import { startTestServer, type TestServer } from '../support/startTestServer.js';

describe('REST /api measurements and calibrations', () => {
  let server: TestServer;
  let api: VertebraApiClient;
  const study = newUid();
  const series = newUid();
  let sop = '';
  let multiFrameSop = '';

  beforeAll(async () => {
    server = await startTestServer();
    api = createVertebraApiClient({ baseUrl: `${server.origin}/api`, requestHeaders: () => server.authHeaders });
    const single = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: 1 });
    const multi = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, instanceNumber: 2, numberOfFrames: 3 });
    sop = single.sopInstanceUid;
    multiFrameSop = multi.sopInstanceUid;
    for (const instance of [single, multi]) {
      const result = await server.archive.ingest({ bytes: instance.bytes, source: { kind: 'import', label: 'test' } });
      expect(result.outcome).toBe('stored');
    }
  });

  afterAll(async () => {
    await server?.close();
  });

  const length = (): MeasurementInput => ({
    seriesInstanceUid: series,
    sopInstanceUid: sop,
    toolType: 'length',
    coordinateSpace: 'image',
    points: [
      [10, 10],
      [40, 50],
    ],
    value: { value: 50, unit: 'px' },
    calibration: 'none',
    label: 'C2–C7',
  });

  it('creates, lists, updates and deletes measurements, keeping ids and timestamps', async () => {
    expect(await api.listMeasurements(study)).toEqual([]);
    const created = await api.createMeasurement(study, { ...length(), id: 'annotation-1' });
    expect(created).toMatchObject({ id: 'annotation-1', studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop, toolType: 'length', calibration: 'none', value: { value: 50, unit: 'px' }, label: 'C2–C7' });
    expect(created.createdAt).toBe(created.updatedAt);
    const cobb = await api.createMeasurement(study, {
      seriesInstanceUid: series,
      toolType: 'cobbAngle',
      coordinateSpace: 'world',
      points: [
        [0, 0, 0],
        [10, 0, 0],
        [0, 10, 0],
        [10, 15, 0],
      ],
      value: { value: 26.57, unit: 'deg' },
      calibration: 'pixel-spacing',
      view: { viewPlaneNormal: [0, 0, 1], viewUp: [0, -1, 0] },
    });
    expect(cobb.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await api.listMeasurements(study)).map((m) => m.id)).toEqual(['annotation-1', cobb.id]);

    await new Promise((resolve) => setTimeout(resolve, 5));
    const updated = await api.updateMeasurement('annotation-1', { ...length(), value: { value: 5.1, unit: 'mm' }, calibration: 'user', frame: 1 });
    expect(updated).toMatchObject({ id: 'annotation-1', value: { value: 5.1, unit: 'mm' }, calibration: 'user', createdAt: created.createdAt });
    expect(updated.updatedAt > created.updatedAt).toBe(true);
    const listed = await api.listMeasurements(study);
    expect(listed.find((m) => m.id === 'annotation-1')).toEqual(updated);

    await api.deleteMeasurement(cobb.id);
    expect((await api.listMeasurements(study)).map((m) => m.id)).toEqual(['annotation-1']);
    await expect(api.deleteMeasurement(cobb.id)).rejects.toMatchObject({ status: 404, code: 'ARCHIVE_NOT_FOUND' });
    await expect(api.updateMeasurement('no-such-id', length())).rejects.toMatchObject({ status: 404 });
    await expect(api.createMeasurement(study, { ...length(), id: 'annotation-1' })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^id: .*already exists/) });
  });

  it('answers a body that breaks the contract with 400 naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...length(), seriesInstanceUid: 'abc' }, /^seriesInstanceUid: /],
      [{ ...length(), toolType: 'lasso' }, /^toolType: "lasso" is not one of/],
      [{ ...length(), points: [[1, 2], [3, 'x']] }, /^points\[1\]\[1\]: /],
      [{ ...length(), points: [[1, 2, 3], [3, 4, 5]] }, /^points\[0\]: must have 2 coordinates in image space/],
      [{ ...length(), points: [[1, 2]] }, /^points: a length needs at least 2 points/],
      [{ ...length(), value: { value: 5, unit: 'mm' } }, /^value\.unit: "mm" needs a calibration/],
      [{ ...length(), calibration: 'detector' }, /^calibration: is "detector" but the value is in px/],
      [{ ...length(), calibration: 'guess' }, /^calibration: /],
      [{ ...length(), frame: 0 }, /^frame: /],
      [{ ...length(), sopInstanceUid: multiFrameSop, frame: 4 }, /^frame: frame 4 is past the instance's 3 frame/],
      [{ ...length(), sopInstanceUid: undefined }, /^sopInstanceUid: is required for points in image space/],
      [{ ...length(), colour: 'red' }, /^colour: is not a field/],
      [[1, 2], /^body: must be a JSON object/],
    ];
    for (const [body, message] of cases) {
      const response = await fetch(`${server.origin}/api/studies/${study}/measurements`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await response.json()) as { code: string; message: string };
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(json.code).toBe('REQUEST_INVALID_PARAMETER');
      expect(json.message).toMatch(message);
    }
    const badJson = await fetch(`${server.origin}/api/studies/${study}/measurements`, { method: 'POST', headers: { ...server.authHeaders, 'content-type': 'application/json' }, body: '{"points": [' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { code: string }).code).toBe('REQUEST_INVALID_PARAMETER');
    const badStudy = await fetch(`${server.origin}/api/studies/not-a-uid/measurements`, { headers: server.authHeaders });
    expect(badStudy.status).toBe(400);
    expect(((await badStudy.json()) as { message: string }).message).toMatch(/^study: /);
  });

  it('refuses measurements on series or instances the archive does not have (404)', async () => {
    await expect(api.createMeasurement(study, { ...length(), seriesInstanceUid: newUid() })).rejects.toMatchObject({ status: 404, code: 'ARCHIVE_NOT_FOUND', message: expect.stringMatching(/^seriesInstanceUid: /) });
    await expect(api.createMeasurement(study, { ...length(), sopInstanceUid: newUid() })).rejects.toMatchObject({ status: 404, message: expect.stringMatching(/^sopInstanceUid: /) });
    await expect(api.createMeasurement(newUid(), length())).rejects.toBeInstanceOf(ApiError);
  });

  it('stores one user calibration per series and exports it with the measurements as a JSON download', async () => {
    expect(await api.getCalibration(series)).toBeNull();
    const calibration = await api.putCalibration(series, { studyInstanceUid: study, sopInstanceUid: sop, knownLengthMm: 30, pixelLength: 50, points: [[10, 10], [40, 50]] });
    expect(calibration).toMatchObject({ seriesInstanceUid: series, studyInstanceUid: study, mmPerPixel: 0.6, knownLengthMm: 30, pixelLength: 50 });
    const again = await api.putCalibration(series, { studyInstanceUid: study, knownLengthMm: 25, pixelLength: 50 });
    expect(again.mmPerPixel).toBe(0.5);
    expect(again.createdAt).toBe(calibration.createdAt);
    expect(await api.getCalibration(series)).toEqual(again);
    await expect(api.putCalibration(series, { studyInstanceUid: study, knownLengthMm: -3, pixelLength: 50 })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^knownLengthMm: /) });
    await expect(api.putCalibration(series, { studyInstanceUid: study, knownLengthMm: 3, pixelLength: 80, points: [[0, 0], [3, 4]] })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^pixelLength: 80 px differs/) });
    await expect(api.putCalibration(newUid(), { studyInstanceUid: study, knownLengthMm: 3, pixelLength: 8 })).rejects.toMatchObject({ status: 404 });

    const response = await fetch(api.exportUrl(study), { headers: server.authHeaders });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="measurements-${study}.json"`);
    const exported = (await response.json()) as Awaited<ReturnType<VertebraApiClient['exportMeasurements']>>;
    expect(exported).toMatchObject({ format: 'vertebra-measurements', version: 1, studyInstanceUid: study });
    expect(exported.measurements.map((m) => m.id)).toEqual(['annotation-1']);
    expect(exported.calibrations).toEqual([again]);

    await api.deleteCalibration(series);
    expect(await api.getCalibration(series)).toBeNull();
  });

  it('keeps unknown /api paths as JSON 404s', async () => {
    const response = await fetch(`${server.origin}/api/nothing`, { headers: server.authHeaders });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('REQUEST_ROUTE_NOT_FOUND');
  });
});
