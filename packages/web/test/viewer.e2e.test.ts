/**
 * End to end in Debian's Chromium (playwright-core, headless, SwiftShader WebGL): a real
 * server (buildApp + openArchive on a temp dir + registerWebApp) holding the real JPEG 2000
 * CT series from ../shared/data; the worklist finds the study, the viewer opens it as
 * axial/sagittal/coronal MPR with real pixels, and the HU probe on T12 shows the Hounsfield
 * value that our own Node decoder reads at the same voxel.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { assembleVolumeAsync, type AssembledVolume } from '@vertebra/dicom';
import { generatePhantomCase } from '@vertebra/phantom';
import type { SeriesAnalysis } from '@vertebra/contracts';
import { ensureViewerBuilt, webDistDir, webPackageDir } from './support/ensureViewerBuilt.js';
import { startViewerServer, stowFiles, type ViewerServer } from './support/startViewerServer.js';

const sharedData = join(webPackageDir, '..', '..', '..', 'shared', 'data');
const seriesDir = join(sharedData, 'ct-abdomen-dicom-jp2k');
const radiographDir = join(sharedData, 'cr-cervical');
const chromiumPath = '/usr/bin/chromium';
/** T12 centroid from ../shared/data/README.md (model output; used only as a place to click). */
const t12Lps: [number, number, number] = [-9.7, -107.8, -790.8];
const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

const haveEverything = existsSync(chromiumPath) && existsSync(seriesDir) && existsSync(radiographDir);

/** Value of the voxel nearest a world point (LPS mm), computed with the dicom package. */
function huAt(assembled: AssembledVolume, world: readonly number[]): { value: number; ijk: [number, number, number] } {
  const v = assembled.volume;
  const d = v.direction as unknown as number[]; // row-major 3×3, columns = i, j, k axes
  const rel = [0, 1, 2].map((a) => (world[a] as number) - (v.originLps[a] as number));
  const ijk = [0, 1, 2].map((axis) => {
    // direction columns are orthonormal: project onto each axis.
    const dot = rel[0]! * d[0 * 3 + axis]! + rel[1]! * d[1 * 3 + axis]! + rel[2]! * d[2 * 3 + axis]!;
    return Math.round(dot / (v.spacingMm[axis] as number));
  }) as [number, number, number];
  const [ni, nj, nk] = v.dimensions;
  const [i, j, k] = ijk;
  if (i < 0 || j < 0 || k < 0 || i >= ni || j >= nj || k >= nk) throw new Error(`point ${world.join(',')} is outside the volume (${ijk.join(',')})`);
  return { value: v.data[i + ni * (j + nj * k)] as number, ijk };
}

async function pixelStats(page: Page, viewportId: string): Promise<{ nonBlackFraction: number; distinctLevels: number; stdDev: number; mean: number }> {
  const png = await page.locator(`[data-viewport-id="${viewportId}"] .vt-viewport-element`).screenshot();
  if (process.env.VERTEBRA_SCREENSHOT_DIR) await writeFile(join(process.env.VERTEBRA_SCREENSHOT_DIR, `${viewportId}.png`), png);
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  let sumSq = 0;
  let nonBlack = 0;
  const levels = new Set<number>();
  for (const value of data) {
    sum += value;
    sumSq += value * value;
    if (value > 8) nonBlack++;
    levels.add(value);
  }
  const n = info.width * info.height;
  const mean = sum / n;
  return { nonBlackFraction: nonBlack / n, distinctLevels: levels.size, stdDev: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), mean };
}

describe.skipIf(!haveEverything)('viewer end to end (Chromium, real JPEG 2000 CT)', () => {
  let server: ViewerServer;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  let assembled: AssembledVolume;
  const browserErrors: string[] = [];

  beforeAll(async () => {
    await ensureViewerBuilt();
    server = await startViewerServer({ distDir: webDistDir, analysis: { quietMs: 300 } });
    const names = (await readdir(seriesDir)).sort();
    const files = await Promise.all(names.map(async (name) => new Uint8Array(await readFile(join(seriesDir, name)))));
    expect(files).toHaveLength(20);
    expect(await stowFiles(server, files)).toBe(200);
    const radiographs = await Promise.all((await readdir(radiographDir)).sort().map(async (name) => new Uint8Array(await readFile(join(radiographDir, name)))));
    expect(await stowFiles(server, radiographs)).toBe(200);
    assembled = await assembleVolumeAsync(files);
    profileDir = await mkdtemp(join(tmpdir(), 'vertebra-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumFlags,
      viewport: { width: 1500, height: 800 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => browserErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') browserErrors.push(message.text());
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  it('sends an anonymous browser to /login, signs in through the form and shows who is signed in', async () => {
    const anonymous = await fetch(`${server.origin}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/login?next=%2F');
    await anonymous.arrayBuffer();
    const anonymousApi = await fetch(`${server.origin}/dicomweb/studies`);
    expect(anonymousApi.status).toBe(401);
    await anonymousApi.arrayBuffer();

    await page.goto(`${server.origin}/#/`);
    await page.waitForURL(/\/login\?next=/, { timeout: 10_000 });
    await page.fill('input[name="username"]', server.username);
    await page.fill('input[name="password"]', 'not-the-password');
    await page.click('button[type="submit"]');
    await page.locator('.error[role="alert"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('.error[role="alert"]').textContent()).toContain('Wrong user name or password');
    expect((await context.cookies(server.origin)).some((c) => c.name === 'vertebra_session')).toBe(false);
    await page.fill('input[name="username"]', server.username);
    await page.fill('input[name="password"]', server.password);
    await page.click('button[type="submit"]');
    await page.locator(`.session-badge[data-username="${server.username}"]`).waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).pathname).toBe('/');
    const cookies = await context.cookies(server.origin);
    const sessionCookie = cookies.find((c) => c.name === 'vertebra_session');
    expect(sessionCookie?.httpOnly).toBe(true);
    expect(sessionCookie?.sameSite).toBe('Strict');
  });

  it('serves the viewer shell at / and keeps API 404s as JSON', async () => {
    const shell = await server.fetch('/studies/deep/link');
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toMatch(/text\/html/);
    expect(await shell.text()).toContain('<div id="root">');
    const apiMiss = await server.fetch('/dicomweb/no-such-route');
    expect(apiMiss.status).toBe(404);
    expect(apiMiss.headers.get('content-type')).toMatch(/application\/json/);
    await apiMiss.arrayBuffer();
    for (const path of ['/api/nothing', '/health/x', '/assets/missing-abc123.js']) {
      const miss = await server.fetch(path);
      await miss.arrayBuffer(); // an unread body keeps the connection busy and server.close() waiting
      expect(miss.status, path).toBe(404);
    }
    const html = await (await server.fetch('/')).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const assetResponse = await server.fetch(asset!);
    expect(assetResponse.status).toBe(200);
    expect(assetResponse.headers.get('cache-control')).toContain('immutable');
    await assetResponse.arrayBuffer();
  });

  it('finds the study in the worklist, opens it as CT MPR with real pixels in all three views', async () => {
    await page.goto(`${server.origin}/`);
    const rows = page.locator('[data-worklist-state="ready"] .study-row');
    await rows.first().waitFor({ timeout: 20_000 });
    expect(await rows.count()).toBe(2);
    // Study thumbnails come from WADO-RS /thumbnail (the JPEG 2000 one is decoded on the server).
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.study-row td.thumb img')].every((img) => img.complete && img.naturalWidth > 0), undefined, { timeout: 20_000 });
    // QIDO-RS search by modality: only the CT study is left.
    await page.selectOption('select[name="modality"]', 'CT');
    await page.click('.worklist-search button[type="submit"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-worklist-state="ready"] .study-row').length === 1, undefined, { timeout: 10_000 });
    await expect(rows.first().textContent()).resolves.toContain('CT');
    await rows.first().click();

    const viewer = page.locator('.study-viewer');
    await page.waitForSelector('.study-viewer[data-viewer-state="ready"], .study-viewer[data-viewer-state="error"]', { timeout: 60_000 });
    const state = await viewer.getAttribute('data-viewer-state');
    if (state !== 'ready') {
      const errors = await page.locator('.viewport-error, .error').allTextContents();
      throw new Error(`viewer failed: ${errors.join(' | ')} | browser: ${browserErrors.join(' | ')}`);
    }
    expect(await viewer.getAttribute('data-protocol')).toBe('ct-mpr');

    // Hide overlays (labels, crosshair lines) so only image pixels are measured.
    await page.addStyleTag({ content: '.viewport-label, .viewport-cell svg { visibility: hidden !important; }' });
    for (const viewportId of ['mpr-axial', 'mpr-sagittal', 'mpr-coronal']) {
      const stats = await pixelStats(page, viewportId);
      // A 20-slice volume is a thin band in sagittal/coronal views: ask for real, varied pixels, not a fill.
      expect(stats.distinctLevels, `${viewportId} distinct grey levels`).toBeGreaterThan(40);
      expect(stats.stdDev, `${viewportId} standard deviation`).toBeGreaterThan(5);
      expect(stats.nonBlackFraction, `${viewportId} non-black fraction`).toBeGreaterThan(viewportId === 'mpr-axial' ? 0.08 : 0.01);
    }

    // W/L presets change what is drawn: the bone window (W 2000) greys out soft tissue that the
    // soft-tissue window (W 400) shows bright, and the keyboard shortcut does the same as the button.
    await page.locator('.toolbar button[data-preset="soft-tissue"]').click();
    await page.waitForFunction(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)))));
    const softTissue = await pixelStats(page, 'mpr-axial');
    await page.keyboard.press('2'); // bone
    await page.waitForFunction(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)))));
    const bone = await pixelStats(page, 'mpr-axial');
    expect(softTissue.mean - bone.mean, `soft tissue mean ${softTissue.mean}, bone mean ${bone.mean}`).toBeGreaterThan(5);
  });

  it('shows the Hounsfield value of the voxel under the HU probe (JPEG 2000 decoded, rescaled)', async () => {
    await page.locator('.toolbar button[data-tool="probe"]').click();
    await page.evaluate((world) => window.vertebraViewer?.jumpToWorld(world), t12Lps);
    const point = await page.evaluate((world) => window.vertebraViewer?.worldToPage('mpr-axial', world), t12Lps);
    expect(point).toBeDefined();
    await page.mouse.click(point![0], point![1]);
    const probe = page.locator('.measurement[data-tool="Probe"]:not([data-value=""])');
    await probe.first().waitFor({ timeout: 10_000 });
    const shownValue = Number(await probe.first().getAttribute('data-value'));
    const shownWorld = (await probe.first().getAttribute('data-world'))!.split(',').map(Number);
    expect(shownWorld).toHaveLength(3);
    // The click landed within a voxel of T12's centroid.
    for (let axis = 0; axis < 3; axis++) expect(Math.abs(shownWorld[axis]! - t12Lps[axis]!)).toBeLessThan(2.5);
    const expected = huAt(assembled, shownWorld);
    console.log(`probe: shown ${shownValue} HU at ${shownWorld.join(",")}; decoded ${expected.value} HU at voxel ${expected.ijk.join(",")}`);
    expect(Math.abs(shownValue - expected.value), `shown ${shownValue} HU, decoded ${expected.value} HU at ${expected.ijk.join(',')}`).toBeLessThanOrEqual(5);
    await expect(probe.first().locator('.measurement-value').textContent()).resolves.toContain('HU');
  });

  it('measures a length in mm and a Cobb angle drawn with the mouse', async () => {
    // Length between two points 40 mm apart (left–right) in the axial plane through T12,
    // away from the probe's handle (a click on a handle edits that annotation instead).
    await page.locator('.toolbar button[data-tool="length"]').click();
    const from: [number, number, number] = [t12Lps[0] - 60, t12Lps[1] - 30, t12Lps[2]];
    const to: [number, number, number] = [from[0] + 40, from[1], from[2]];
    const [a, b] = await page.evaluate(([p, q]) => [window.vertebraViewer?.worldToPage('mpr-axial', p), window.vertebraViewer?.worldToPage('mpr-axial', q)], [from, to] as const);
    await page.mouse.move(a![0], a![1]);
    await page.mouse.down();
    await page.mouse.move(b![0], b![1], { steps: 6 });
    await page.mouse.up();
    const length = page.locator('.measurement[data-tool="Length"]:not([data-value=""])').first();
    await length.waitFor({ timeout: 10_000 });
    expect(await length.getAttribute('data-unit')).toBe('mm');
    // Stats are recomputed (throttled) while dragging: wait until the shown value is the one of the final handles.
    const readLength = async (): Promise<{ shownMm: number; handlesMm: number }> => {
      const ends = ((await length.getAttribute('data-points')) ?? '').split(';').map((p) => p.split(',').map(Number));
      const handlesMm = ends.length === 2 ? Math.hypot(...[0, 1, 2].map((i) => ends[1]![i]! - ends[0]![i]!)) : Number.NaN;
      return { shownMm: Number(await length.getAttribute('data-value')), handlesMm };
    };
    await expect.poll(async () => { const r = await readLength(); return Math.abs(r.shownMm - r.handlesMm); }, { timeout: 10_000 }).toBeLessThan(0.05);
    expect(Math.abs((await readLength()).shownMm - 40)).toBeLessThan(1.5);

    // Cobb angle between a horizontal line and one at atan(60/104) ≈ 29.98° (screen pixels are square).
    await page.locator('.toolbar button[data-tool="cobbAngle"]').click();
    const box = (await page.locator('[data-viewport-id="mpr-axial"]').boundingBox())!;
    const x0 = Math.round(box.x + box.width * 0.25);
    const y0 = Math.round(box.y + box.height * 0.2);
    const drag = async (p: [number, number], q: [number, number]): Promise<void> => {
      await page.mouse.move(p[0], p[1]);
      await page.mouse.down();
      await page.mouse.move(q[0], q[1], { steps: 6 });
      await page.mouse.up();
    };
    await drag([x0, y0], [x0 + 120, y0]);
    await drag([x0, y0 + 80], [x0 + 104, y0 + 140]);
    const cobb = page.locator('.measurement[data-tool="CobbAngle"]:not([data-value=""])').first();
    await cobb.waitFor({ timeout: 10_000 });
    if (process.env.VERTEBRA_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.VERTEBRA_SCREENSHOT_DIR, 'ct-measured.png') });
    const expectedDeg = (Math.atan2(60, 104) * 180) / Math.PI;
    await expect.poll(async () => Math.abs(Number(await cobb.getAttribute('data-value')) - expectedDeg), { timeout: 10_000 }).toBeLessThan(1);

    // MPR measurements are saved in world space (LPS mm, with their view plane) and drawn again after a reload.
    await page.locator('.measurements[data-sync-state="saved"]').waitFor({ timeout: 10_000 });
    await page.locator('.measurement[data-tool="Length"][data-saved="true"]').waitFor({ timeout: 10_000 });
    // The Cobb angle is saved after the length (a separate, debounced sync): wait for it too.
    await page.locator('.measurement[data-tool="CobbAngle"][data-saved="true"]').waitFor({ timeout: 10_000 });
    const lengthUid = (await length.getAttribute('data-uid'))!;
    const lengthMm = Number(await length.getAttribute('data-value'));
    const study = decodeURIComponent(page.url().split('#/studies/')[1] ?? '');
    const saved = ((await (await server.fetch(`/api/studies/${encodeURIComponent(study)}/measurements`)).json()) as { measurements: Array<{ id: string; toolType: string; coordinateSpace: string; calibration: string; value: { value: number; unit: string } }> }).measurements;
    expect(saved.map((m) => m.toolType).sort()).toEqual(['cobbAngle', 'length', 'probe']);
    expect(saved.find((m) => m.id === lengthUid)).toMatchObject({ coordinateSpace: 'world', calibration: 'pixel-spacing', value: { unit: 'mm' } });
    await page.reload();
    await page.waitForSelector('.study-viewer[data-viewer-state="ready"]', { timeout: 60_000 });
    await page.locator('.measurements[data-sync-state="idle"], .measurements[data-sync-state="saved"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('.measurement').count()).toBe(3);
    // Drawn on the T12 plane: Cornerstone computes their values once that slice is shown.
    await page.evaluate((world) => window.vertebraViewer?.jumpToWorld(world), t12Lps);
    const restored = page.locator(`.measurement[data-uid="${lengthUid}"]:not([data-value=""])`);
    await restored.waitFor({ timeout: 10_000 });
    expect(await page.locator('.measurement').count()).toBe(3);
    expect(Math.abs(Number(await restored.getAttribute('data-value')) - lengthMm)).toBeLessThan(0.05);

    // Ellipse ROI inside T12's body: mean HU with area, saved with the HU unit.
    await page.locator('.toolbar button[data-tool="ellipseRoi"]').click();
    const centre = (await page.evaluate((world) => window.vertebraViewer?.worldToPage('mpr-axial', world), [t12Lps[0], t12Lps[1] + 6, t12Lps[2]] as [number, number, number]))!;
    await page.mouse.move(centre[0] - 6, centre[1] - 6);
    await page.mouse.down();
    await page.mouse.move(centre[0] + 6, centre[1] + 6, { steps: 4 });
    await page.mouse.up();
    const ellipse = page.locator('.measurement[data-tool="EllipticalROI"][data-saved="true"]:not([data-value=""])').first();
    await ellipse.waitFor({ timeout: 10_000 });
    expect(await ellipse.getAttribute('data-unit')).toBe('HU');
    expect(await ellipse.getAttribute('data-calibration')).toBe('pixel-spacing');
    const meanHu = Number(await ellipse.getAttribute('data-value'));
    expect(meanHu).toBeGreaterThan(50); // cancellous bone
    await page.locator('.measurements[data-sync-state="saved"]').waitFor({ timeout: 10_000 });
    const withEllipse = ((await (await server.fetch(`/api/studies/${encodeURIComponent(study)}/measurements`)).json()) as { measurements: Array<{ toolType: string; value: { value: number; unit: string } }> }).measurements;
    expect(withEllipse.find((m) => m.toolType === 'ellipseRoi')?.value.unit).toBe('HU');
  });

  it('finds radiographs by patient name and hangs them side by side', async () => {
    await page.goto(`${server.origin}/#/`);
    await page.locator('[data-worklist-state="ready"]').waitFor({ timeout: 20_000 });
    await page.fill('input[name="patientName"]', 'Archibald');
    await page.click('.worklist-search button[type="submit"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-worklist-state="ready"] .study-row').length === 1, undefined, { timeout: 10_000 });
    const row = page.locator('.study-row').first();
    await expect(row.textContent()).resolves.toContain('Doe, Archibald');
    await row.click();
    await page.waitForSelector('.study-viewer[data-viewer-state="ready"], .study-viewer[data-viewer-state="error"]', { timeout: 30_000 });
    const viewer = page.locator('.study-viewer');
    if ((await viewer.getAttribute('data-viewer-state')) !== 'ready') {
      throw new Error(`viewer failed: ${(await page.locator('.viewport-error, .error').allTextContents()).join(' | ')}`);
    }
    expect(await viewer.getAttribute('data-protocol')).toBe('radiographs');
    const cells = page.locator('.viewport-cell[data-render-state="rendered"]');
    expect(await cells.count()).toBe(3);
    await page.addStyleTag({ content: '.viewport-label, .viewport-cell svg { visibility: hidden !important; }' });
    const stats = await pixelStats(page, 'radiograph-1');
    // A length on a projection radiograph says which calibration it used, and is in px when there is none.
    await page.locator('.toolbar button[data-tool="length"]').click();
    const box = (await page.locator('[data-viewport-id="radiograph-1"]').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 4 });
    await page.mouse.up();
    const length = page.locator('.measurement[data-tool="Length"]:not([data-value=""])').first();
    await length.waitFor({ timeout: 10_000 });
    const calibration = await length.getAttribute('data-calibration');
    const unit = await length.getAttribute('data-unit');
    console.log(`radiograph length: ${await length.getAttribute('data-value')} ${unit} (calibration: ${calibration})`);
    // cr-cervical has ImagerPixelSpacing 0.1 and no magnification factor: detector calibration, mm.
    expect(calibration).toBe('detector');
    expect(unit).toBe('mm Proj');
    expect(await page.locator('[data-viewport-id="radiograph-1"]').getAttribute('data-calibration')).toBe('detector');
    if (process.env.VERTEBRA_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.VERTEBRA_SCREENSHOT_DIR, 'radiographs.png') });
    expect(stats.stdDev).toBeGreaterThan(5);
  });

  interface PhantomRadiograph {
    readonly studyInstanceUid: string;
    readonly seriesInstanceUid: string;
    readonly landmarksPx: Record<string, Record<string, readonly [number, number]>>;
    readonly imagerPixelSpacingMm: number;
    readonly magnification: number;
  }
  let phantom: PhantomRadiograph | undefined;
  interface StoredMeasurement {
    id: string;
    toolType: string;
    coordinateSpace: string;
    points: number[][];
    value: { value: number; unit: string };
    calibration: string;
    updatedAt: string;
  }
  const listMeasurements = async (study: string): Promise<StoredMeasurement[]> =>
    ((await (await server.fetch(`/api/studies/${encodeURIComponent(study)}/measurements`)).json()) as { measurements: StoredMeasurement[] }).measurements;
  const imageToPage = async (image: readonly [number, number]): Promise<[number, number]> => {
    const point = await page.evaluate(([x, y]) => window.vertebraViewer?.imageToPage('radiograph-1', [x, y]), [image[0], image[1]] as [number, number]);
    if (point === undefined) throw new Error('no imageToPage');
    return point;
  };
  const openViewer = async (): Promise<void> => {
    await page.waitForSelector('.study-viewer[data-viewer-state="ready"], .study-viewer[data-viewer-state="error"]', { timeout: 30_000 });
    expect(await page.locator('.study-viewer').getAttribute('data-viewer-state')).toBe('ready');
    await page.locator('.measurements[data-sync-state="idle"], .measurements[data-sync-state="saved"]').waitFor({ timeout: 10_000 });
  };

  /** Drags with the primary button from p to q (page pixels). */
  const drag = async (p: readonly [number, number], q: readonly [number, number]): Promise<void> => {
    await page.mouse.move(p[0], p[1]);
    await page.mouse.down();
    await page.mouse.move(q[0], q[1], { steps: 6 });
    await page.mouse.up();
  };
  it('measures the Cobb angle of a phantom scoliosis radiograph within 1°, saves it, finds it after a reload and exports it', async () => {
    // A DX AP radiograph of a scoliosis phantom with exact ground truth: Cobb T5–T12 = 45°, endplate
    // landmarks in pixels; ImagerPixelSpacing with an EstimatedRadiographicMagnificationFactor.
    // A long source distance keeps the projected endplate angle close to the coronal truth.
    const { files, groundTruth } = generatePhantomCase({ preset: 'scoliosis', seed: 3, modalities: ['xr'], xr: { views: ['ap'], rows: 900, sourceToDetectorMm: 5000, sourceToPatientMm: 4000 } });
    expect(await stowFiles(server, files.filter((f) => f.path.endsWith('.dcm')).map((f) => f.bytes))).toBe(200);
    const visit = groundTruth.visits[0]!;
    phantom = { studyInstanceUid: visit.studyInstanceUid, seriesInstanceUid: visit.radiographs[0]!.seriesInstanceUid, landmarksPx: visit.radiographs[0]!.landmarksPx, imagerPixelSpacingMm: visit.radiographs[0]!.geometry.imagerPixelSpacingMm, magnification: 5000 / 4000 };
    const curve = visit.anatomy.alignment.cobbAngles.find((c) => c.upperEndVertebra === 'T5' && c.lowerEndVertebra === 'T12')!;
    expect(curve.angleDeg).toBeCloseTo(45, 1);

    await page.goto(`${server.origin}/#/studies/${encodeURIComponent(phantom.studyInstanceUid)}`);
    await openViewer();
    expect(await page.locator('.study-viewer').getAttribute('data-protocol')).toBe('radiographs');
    expect(await page.locator('[data-viewport-id="radiograph-1"]').getAttribute('data-calibration')).toBe('magnification-corrected');

    // The endplate lines through the landmarks, extended 4× each way so the mouse's pixel rounding costs < 0.3°.
    const lm = phantom.landmarksPx;
    const extended = (a: readonly [number, number], b: readonly [number, number]): [[number, number], [number, number]] => {
      const d = [b[0] - a[0], b[1] - a[1]] as const;
      return [[a[0] - 1.5 * d[0], a[1] - 1.5 * d[1]], [b[0] + 1.5 * d[0], b[1] + 1.5 * d[1]]];
    };
    const upper = extended(lm.T5!.superiorLeft!, lm.T5!.superiorRight!);
    const lower = extended(lm.T12!.inferiorLeft!, lm.T12!.inferiorRight!);
    await page.locator('.toolbar button[data-tool="cobbAngle"]').click();
    await drag(await imageToPage(upper[0]), await imageToPage(upper[1]));
    await drag(await imageToPage(lower[0]), await imageToPage(lower[1]));
    const cobb = page.locator('.measurement[data-tool="CobbAngle"][data-saved="true"]').first();
    await cobb.waitFor({ timeout: 10_000 });
    await page.locator('.measurements[data-sync-state="saved"]').waitFor({ timeout: 10_000 });
    const shownDeg = Number(await cobb.getAttribute('data-value'));
    console.log(`phantom Cobb T5–T12: shown ${shownDeg.toFixed(2)}°, truth ${curve.angleDeg.toFixed(2)}°`);
    expect(Math.abs(shownDeg - curve.angleDeg)).toBeLessThan(1);
    const uid = (await cobb.getAttribute('data-uid'))!;

    // On the server: image-space points on the radiograph, the value in degrees, the calibration in force.
    const stored = (await listMeasurements(phantom.studyInstanceUid)).find((m) => m.id === uid);
    expect(stored).toMatchObject({ toolType: 'cobbAngle', coordinateSpace: 'image', calibration: 'magnification-corrected', value: { unit: 'deg' } });
    expect(Math.abs(stored!.value.value - curve.angleDeg)).toBeLessThan(1);
    expect(Math.abs(stored!.points[0]![0]! - upper[0][0])).toBeLessThan(2); // image space, pixel centres at integers

    await page.reload();
    await openViewer();
    const again = page.locator(`.measurement[data-uid="${uid}"]:not([data-value=""])`);
    await again.waitFor({ timeout: 10_000 });
    expect(await again.getAttribute('data-tool')).toBe('CobbAngle');
    expect(Math.abs(Number(await again.getAttribute('data-value')) - shownDeg)).toBeLessThan(0.01);
    // Reopening recomputes the same value: nothing is written back (no PUT, updatedAt unchanged).
    await page.locator('.measurements[data-sync-state="saved"]').waitFor({ timeout: 10_000 }); // the recomputed stats went through the save check
    expect((await listMeasurements(phantom.studyInstanceUid)).find((m) => m.id === uid)?.updatedAt).toBe(stored!.updatedAt);

    // Export: the panel's link downloads the study's measurements as JSON.
    const href = await page.locator('.measurements a.export-measurements').getAttribute('href');
    const exported = await server.fetch(href!);
    expect(exported.headers.get('content-disposition')).toMatch(/^attachment;/);
    const json = (await exported.json()) as { format: string; measurements: Array<{ id: string }> };
    expect(json.format).toBe('vertebra-measurements');
    expect(json.measurements.map((m) => m.id)).toEqual([uid]);
  });

  it('calibrates the radiograph with a line of known length: lengths change to user mm, persist after a reload, and deletes reach the server', async () => {
    expect(phantom).toBeDefined();
    const { landmarksPx: lm, imagerPixelSpacingMm, magnification, studyInstanceUid, seriesInstanceUid } = phantom!;
    // A length L3 → L5 centroid: magnification corrected, ImagerPixelSpacing / ERMF mm per pixel.
    await page.locator('.toolbar button[data-tool="length"]').click();
    await drag(await imageToPage(lm.L3!.centroid!), await imageToPage(lm.L5!.centroid!));
    const length = page.locator('.measurement[data-tool="Length"][data-saved="true"]').first();
    await length.waitFor({ timeout: 10_000 });
    await page.locator('.measurements[data-sync-state="saved"]').waitFor({ timeout: 10_000 });
    expect(await length.getAttribute('data-calibration')).toBe('magnification-corrected');
    expect(await length.getAttribute('data-unit')).toBe('mm ERMF');
    const uid = (await length.getAttribute('data-uid'))!;
    const stored = async () => (await listMeasurements(studyInstanceUid)).find((m) => m.id === uid)!;
    const before = await stored();
    const pixels = Math.hypot(before.points[1]![0]! - before.points[0]![0]!, before.points[1]![1]! - before.points[0]![1]!);
    const landmarkPixels = Math.hypot(lm.L5!.centroid![0] - lm.L3!.centroid![0], lm.L5!.centroid![1] - lm.L3!.centroid![1]);
    expect(Math.abs(pixels - landmarkPixels)).toBeLessThan(2);
    const correctedMm = (pixels * imagerPixelSpacingMm) / magnification;
    expect(Math.abs(Number(await length.getAttribute('data-value')) - correctedMm)).toBeLessThan(0.05);
    expect(before).toMatchObject({ calibration: 'magnification-corrected', value: { unit: 'mm' } });

    // Calibrate: a line between the femoral head centres, declared 150 mm.
    await page.locator('.toolbar button[data-tool="calibrate"]').click();
    await drag(await imageToPage(lm.femoralHeads!.right!), await imageToPage(lm.femoralHeads!.left!));
    const dialog = page.locator('form.calibration-dialog');
    await dialog.waitFor({ timeout: 10_000 });
    await dialog.locator('input[name="knownLengthMm"]').fill('150');
    await dialog.locator('button[type="submit"]').click();
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });
    const viewport = page.locator('[data-viewport-id="radiograph-1"]');
    await expect.poll(() => viewport.getAttribute('data-calibration'), { timeout: 10_000 }).toBe('user');
    const calibration = ((await (await server.fetch(`/api/series/${seriesInstanceUid}/calibration`)).json()) as { calibration: { mmPerPixel: number; knownLengthMm: number; pixelLength: number } }).calibration;
    expect(calibration.knownLengthMm).toBe(150);
    const headPixels = Math.hypot(lm.femoralHeads!.left![0] - lm.femoralHeads!.right![0], lm.femoralHeads!.left![1] - lm.femoralHeads!.right![1]);
    expect(Math.abs(calibration.pixelLength - headPixels)).toBeLessThan(2);
    const userMm = pixels * calibration.mmPerPixel;
    expect(Math.abs(userMm - correctedMm)).toBeGreaterThan(1); // the calibration changes the length
    const row = page.locator(`.measurement[data-uid="${uid}"]`);
    await expect.poll(() => row.getAttribute('data-calibration'), { timeout: 10_000 }).toBe('user');
    await expect.poll(async () => Math.abs(Number(await row.getAttribute('data-value')) - userMm), { timeout: 10_000 }).toBeLessThan(0.05);
    expect(await row.getAttribute('data-unit')).toBe('mm User');
    // The server copy follows.
    await expect.poll(async () => (await stored()).calibration, { timeout: 10_000 }).toBe('user');
    expect(Math.abs((await stored()).value.value - userMm)).toBeLessThan(0.05);

    await page.reload();
    await openViewer();
    await expect.poll(() => viewport.getAttribute('data-calibration'), { timeout: 10_000 }).toBe('user');
    const reloaded = page.locator(`.measurement[data-uid="${uid}"]:not([data-value=""])`);
    await reloaded.waitFor({ timeout: 10_000 });
    expect(await reloaded.getAttribute('data-calibration')).toBe('user');
    expect(Math.abs(Number(await reloaded.getAttribute('data-value')) - userMm)).toBeLessThan(0.05);
    await expect(page.locator('[data-viewport-id="radiograph-1"] .viewport-calibration').textContent()).resolves.toContain('user');

    // Deleting the length in the panel deletes it on the server.
    await page.locator(`.measurement[data-uid="${uid}"] button[aria-label^="Delete"]`).click();
    await expect.poll(async () => (await listMeasurements(studyInstanceUid)).map((m) => m.id), { timeout: 10_000 }).not.toContain(uid);
    if (process.env.VERTEBRA_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.VERTEBRA_SCREENSHOT_DIR, 'phantom-calibrated.png') });
  });

  // Each phantom case below has its own seed: the same preset and seed give the same study UID.
  it('hangs a phantom spine MR as sagittal T2, sagittal T1 and axial T2, with lengths on PixelSpacing', async () => {
    const { files, groundTruth } = generatePhantomCase({ preset: 'scoliosis', seed: 4, modalities: ['mr'], mr: { pixelSpacingMm: 2, sagittalSlices: 7, fieldOfView: 'lumbar' } });
    expect(await stowFiles(server, files.filter((f) => f.path.endsWith('.dcm')).map((f) => f.bytes))).toBe(200);
    await page.goto(`${server.origin}/#/studies/${encodeURIComponent(groundTruth.visits[0]!.studyInstanceUid)}`);
    await openViewer();
    expect(await page.locator('.study-viewer').getAttribute('data-protocol')).toBe('mr-spine');
    const labels = await page.locator('.viewport-cell .viewport-label').allTextContents();
    expect(labels).toHaveLength(3);
    expect(labels[0]).toMatch(/T2w sagittal/);
    expect(labels[1]).toMatch(/T1w sagittal/);
    expect(labels[2]).toMatch(/T2w axial/);
    for (const viewportId of ['mr-1', 'mr-2', 'mr-3']) {
      expect(await page.locator(`[data-viewport-id="${viewportId}"]`).getAttribute('data-render-state')).toBe('rendered');
    }
    await page.addStyleTag({ content: '.viewport-label, .viewport-calibration, .viewport-cell svg { visibility: hidden !important; }' });
    for (const viewportId of ['mr-1', 'mr-2', 'mr-3']) expect((await pixelStats(page, viewportId)).stdDev, viewportId).toBeGreaterThan(5);
    await page.locator('.toolbar button[data-tool="length"]').click();
    const box = (await page.locator('[data-viewport-id="mr-1"]').boundingBox())!;
    await drag([box.x + box.width * 0.4, box.y + box.height * 0.3], [box.x + box.width * 0.4, box.y + box.height * 0.6]);
    const length = page.locator('.measurement[data-tool="Length"][data-saved="true"]').first();
    await length.waitFor({ timeout: 10_000 });
    expect(await length.getAttribute('data-calibration')).toBe('pixel-spacing');
    expect(await length.getAttribute('data-unit')).toBe('mm');
  });

  it('plays a phantom fluoroscopy clip (XA multi-frame) as cine with a frame rate control', async () => {
    const { files, groundTruth } = generatePhantomCase({ preset: 'scoliosis', seed: 5, modalities: ['xa'], xa: { frames: 6, columns: 128, rows: 128 } });
    expect(await stowFiles(server, files.filter((f) => f.path.endsWith('.dcm')).map((f) => f.bytes))).toBe(200);
    await page.goto(`${server.origin}/#/studies/${encodeURIComponent(groundTruth.visits[0]!.studyInstanceUid)}`);
    await openViewer();
    expect(await page.locator('.study-viewer').getAttribute('data-protocol')).toBe('cine');
    const cell = page.locator('[data-viewport-id="cine-1"]');
    expect(await cell.getAttribute('data-frame-index')).toBe('0');
    await expect(page.locator('.cine-controls').textContent()).resolves.toContain('frame 1/6');
    await page.locator('.cine-controls input[name="fps"]').fill('20');
    await page.locator('.cine-controls .cine-toggle').click();
    expect(await page.locator('.cine-controls').getAttribute('data-cine')).toBe('playing');
    // Playing in a loop: the shown frame goes past the last one and back to the first.
    const seen = new Set<string>();
    await expect.poll(async () => { seen.add((await cell.getAttribute('data-frame-index')) ?? ''); return seen.size; }, { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(6);
    await page.keyboard.press(' ');
    expect(await page.locator('.cine-controls').getAttribute('data-cine')).toBe('stopped');
    await expect(page.locator('.cine-controls .cine-toggle').textContent()).resolves.toContain('Play');
  });

  it('draws the analysis of a phantom CT (labels at the centroids, endplates, heights) in the MPR views, toggles it, and finds the study by body part', async () => {
    const { files, groundTruth } = generatePhantomCase({
      preset: 'normal',
      seed: 6,
      modalities: ['ct'],
      ct: { columns: 256, rows: 256, pixelSpacingMm: 1, sliceSpacingMm: 2, sliceThicknessMm: 2, fieldOfView: 'lumbar' },
    });
    expect(await stowFiles(server, files.filter((f) => f.path.endsWith('.dcm')).map((f) => f.bytes))).toBe(200);
    const study = groundTruth.visits[0]!.studyInstanceUid;
    type Analysis = SeriesAnalysis & { result: NonNullable<SeriesAnalysis['result']> };
    // The server analyses every stored CT series by itself (worker thread); wait for it through the REST API.
    const analysesOf = async (): Promise<SeriesAnalysis[]> => ((await (await server.fetch(`/api/studies/${encodeURIComponent(study)}/analyses`)).json()) as { analyses: SeriesAnalysis[] }).analyses;
    await expect.poll(async () => (await analysesOf()).map((a) => a.state).join(','), { timeout: 90_000, interval: 500 }).toMatch(/^(done|failed)$/);
    const analysis = (await analysesOf())[0] as Analysis;
    expect(analysis.error).toBeNull();
    expect(analysis.result.status).toBe('ok');
    const vertebrae = analysis.result.vertebrae;
    expect(vertebrae.length).toBeGreaterThanOrEqual(3);

    await page.goto(`${server.origin}/#/studies/${encodeURIComponent(study)}`);
    await page.reload(); // a fresh document: earlier tests hid every SVG in the viewports for their pixel statistics
    await openViewer();
    expect(await page.locator('.study-viewer').getAttribute('data-protocol')).toBe('ct-mpr');
    const status = page.locator('.analysis-status[data-analysis-state="done"]');
    await status.waitFor({ timeout: 10_000 });
    await expect(status.textContent()).resolves.toContain(`analysis: ${vertebrae.length} vertebrae`);

    // Sagittal: every vertebra labelled where its centroid projects (the spine lies along the view).
    const sagittalLabels = page.locator('[data-overlay-viewport="mpr-sagittal"] .overlay-label');
    await expect.poll(() => sagittalLabels.count(), { timeout: 10_000 }).toBe(vertebrae.length);
    for (const v of vertebrae) {
      const level = v.label ?? `#${v.index}`;
      const marker = page.locator(`[data-overlay-viewport="mpr-sagittal"] .overlay-label[data-level="${level}"] circle`);
      expect(await marker.isVisible(), `${level} label visible`).toBe(true);
      const box = (await marker.boundingBox())!;
      const expected = (await page.evaluate(([world]) => window.vertebraViewer?.worldToPage('mpr-sagittal', world), [v.centroidLps] as const))!;
      expect(Math.hypot(box.x + box.width / 2 - expected[0], box.y + box.height / 2 - expected[1]), `${level} label position`).toBeLessThan(1.5);
      await expect(page.locator(`[data-overlay-viewport="mpr-sagittal"] .overlay-label[data-level="${level}"] text`).textContent()).resolves.toContain(level);
    }
    // Endplates of every body and the measured heights, drawn as lines in the sagittal view; the coronal view has the labels too.
    expect(await page.locator('[data-overlay-viewport="mpr-sagittal"] .overlay-endplate line').count()).toBe(2 * vertebrae.length);
    const heights = vertebrae.reduce((n, v) => n + [v.heightsMm.anterior, v.heightsMm.middle, v.heightsMm.posterior].filter((h) => h !== null).length, 0);
    expect(await page.locator('[data-overlay-viewport="mpr-sagittal"] .overlay-height line').count()).toBe(heights);
    expect(await page.locator('[data-overlay-viewport="mpr-coronal"] .overlay-label').count()).toBe(vertebrae.length);
    // Axial: only the vertebra the slice cuts.
    const target = vertebrae[Math.floor(vertebrae.length / 2)]!;
    await page.evaluate((world) => window.vertebraViewer?.jumpToWorld(world), [...target.centroidLps] as [number, number, number]);
    await expect.poll(() => page.locator('[data-overlay-viewport="mpr-axial"] .overlay-label').evaluateAll((els) => els.map((e) => e.getAttribute('data-level'))), { timeout: 10_000 }).toEqual([target.label ?? `#${target.index}`]);
    if (process.env.VERTEBRA_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.VERTEBRA_SCREENSHOT_DIR, 'ct-analysis-overlay.png') });

    // A length drawn on the sagittal view is not touched by showing or hiding the overlay.
    await page.locator('.toolbar button[data-tool="length"]').click();
    const sagittal = (await page.locator('[data-viewport-id="mpr-sagittal"]').boundingBox())!;
    await drag([sagittal.x + sagittal.width * 0.3, sagittal.y + sagittal.height * 0.3], [sagittal.x + sagittal.width * 0.3, sagittal.y + sagittal.height * 0.7]);
    const length = page.locator('.measurement[data-tool="Length"][data-saved="true"]').first();
    await length.waitFor({ timeout: 10_000 });
    // Under load the first save can carry the stats of the last rendered drag position (CI, load
    // ~3: 111.7 shown and saved, then 134.0 once the next render computed the final stats and saved
    // them): wait until the value shown is the value saved before taking the reference.
    await expect
      .poll(() => length.evaluate((e) => e.getAttribute('data-value') !== '' && Number(e.getAttribute('data-value')) === Number(e.getAttribute('data-saved-value'))), { timeout: 10_000 })
      .toBe(true);
    await page.locator('.measurements[data-sync-state="saved"]').waitFor({ timeout: 10_000 });
    const before = { shown: await page.locator('.measurement').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-uid')}=${e.getAttribute('data-value')}`)), stored: await listMeasurements(study) };
    expect(before.stored).toHaveLength(1);

    const toggle = page.locator('.toolbar .overlay-toggle');
    expect(await toggle.getAttribute('data-overlay')).toBe('on');
    await toggle.click();
    expect(await toggle.getAttribute('data-overlay')).toBe('off');
    expect(await page.locator('.analysis-overlay').count()).toBe(0);
    await page.keyboard.press('g'); // the shortcut listed in the help panel
    expect(await toggle.getAttribute('data-overlay')).toBe('on');
    await expect.poll(() => sagittalLabels.count(), { timeout: 10_000 }).toBe(vertebrae.length);
    await page.keyboard.press('?');
    await expect(page.locator('.help').textContent()).resolves.toContain('analysis overlay');
    await page.keyboard.press('?');
    expect(await page.locator('.measurement').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-uid')}=${e.getAttribute('data-value')}`))).toEqual(before.shown);
    expect(await listMeasurements(study)).toEqual(before.stored);

    // Worklist: the body part search (BodyPartExamined, a series-level key) finds this study only; its analysis status is shown.
    await page.goto(`${server.origin}/#/`);
    await page.locator('[data-worklist-state="ready"]').waitFor({ timeout: 20_000 });
    await page.fill('input[name="bodyPart"]', 'lspine');
    await page.click('.worklist-search button[type="submit"]');
    await page.waitForFunction((uid) => {
      const rows = document.querySelectorAll('[data-worklist-state="ready"] .study-row');
      return rows.length === 1 && rows[0]?.getAttribute('data-study-uid') === uid;
    }, study, { timeout: 10_000 });
    const statuses = ((await (await server.fetch(`/api/analysis-status?study=${encodeURIComponent(study)}`)).json()) as { statuses: Record<string, { state: string; findings: number; labels: string[] }> }).statuses;
    const cell = page.locator(`.study-row[data-study-uid="${study}"] td.analysis-cell`);
    await expect.poll(() => cell.getAttribute('data-analysis-state'), { timeout: 10_000 }).toBe('done');
    expect(Number(await cell.getAttribute('data-findings'))).toBe(statuses[study]!.findings);
    expect(await cell.getAttribute('data-labels')).toBe(statuses[study]!.labels.join(','));
    expect(statuses[study]!.labels).toEqual(vertebrae.map((v) => v.label).filter((l) => l !== null));
    await expect(cell.textContent()).resolves.toContain(`done · ${statuses[study]!.findings}`);
    // Other body parts leave it out.
    await page.fill('input[name="bodyPart"]', 'CSPINE');
    await page.click('.worklist-search button[type="submit"]');
    await page.waitForFunction((uid) => document.querySelector('[data-worklist-state="ready"]') !== null && document.querySelector(`.study-row[data-study-uid="${uid}"]`) === null, study, { timeout: 10_000 });
  });

  it('says why a CT series was not analysed (too few slices for the spine analysis)', async () => {
    const { files, groundTruth } = generatePhantomCase({
      preset: 'normal',
      seed: 7,
      modalities: ['ct'],
      ct: { columns: 64, rows: 64, pixelSpacingMm: 4, sliceSpacingMm: 5, sliceThicknessMm: 5, fieldOfView: 'lumbar' },
    });
    // Six consecutive slices: enough for MPR, too few for the analysis (the server's minimum is 10).
    const slices = files.filter((f) => f.path.endsWith('.dcm')).sort((a, b) => a.path.localeCompare(b.path)).slice(20, 26);
    expect(await stowFiles(server, slices.map((f) => f.bytes))).toBe(200);
    const study = groundTruth.visits[0]!.studyInstanceUid;
    const analysesOf = async (): Promise<SeriesAnalysis[]> => ((await (await server.fetch(`/api/studies/${encodeURIComponent(study)}/analyses`)).json()) as { analyses: SeriesAnalysis[] }).analyses;
    await expect.poll(async () => (await analysesOf()).map((a) => a.state).join(','), { timeout: 30_000, interval: 300 }).toBe('failed');
    const failed = (await analysesOf())[0]!;
    expect(failed.error?.message).toBeTruthy();

    await page.goto(`${server.origin}/#/studies/${encodeURIComponent(study)}`);
    await openViewer();
    expect(await page.locator('.study-viewer').getAttribute('data-protocol')).toBe('ct-mpr');
    const status = page.locator('.analysis-status');
    await status.first().waitFor({ timeout: 10_000 });
    expect(await status.count()).toBe(1);
    expect(await status.getAttribute('data-analysis-state')).toBe('failed');
    expect(await status.textContent()).toBe(`analysis: failed (${failed.error!.message})`);
    // Nothing to draw: no overlay and no overlay button.
    expect(await page.locator('.analysis-overlay').count()).toBe(0);
    expect(await page.locator('.toolbar .overlay-toggle').count()).toBe(0);
  });

  it('says so when a study is not in the archive', async () => {
    await page.goto(`${server.origin}/#/studies/1.2.3.4.5.404`);
    await page.waitForSelector('.study-viewer[data-viewer-state="error"]', { timeout: 10_000 });
    await expect(page.locator('.series-browser .error').textContent()).resolves.toContain('not in the archive');
  });

  it('leaves every study the viewer opened in the audit trail, then signs out', async () => {
    const audit = await server.fetch('/api/audit?action=viewer-open&limit=1000');
    expect(audit.status).toBe(200);
    const body = (await audit.json()) as { events: Array<{ actor: string; action: string; outcome: string; studyInstanceUid: string | null }> };
    const opened = new Set(body.events.filter((e) => e.actor === server.username && e.outcome === 'success').map((e) => e.studyInstanceUid));
    expect(opened.has('1.2.3.4.5.404')).toBe(false); // not in the archive: nothing was shown
    expect(opened.size).toBeGreaterThanOrEqual(4); // the JPEG 2000 CT, the radiographs, the phantom MR and XA

    await page.goto(`${server.origin}/#/`);
    await page.locator('.session-signout').click();
    await page.waitForURL(/\/login/, { timeout: 10_000 });
    expect((await context.cookies(server.origin)).some((c) => c.name === 'vertebra_session' && c.value !== '')).toBe(false);
    await page.goto(`${server.origin}/`);
    await page.waitForURL(/\/login\?next=/, { timeout: 10_000 });
  });
});
