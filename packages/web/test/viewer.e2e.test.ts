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
    server = await startViewerServer({ distDir: webDistDir });
    const names = (await readdir(seriesDir)).sort();
    const files = await Promise.all(names.map(async (name) => new Uint8Array(await readFile(join(seriesDir, name)))));
    expect(files).toHaveLength(20);
    expect(await stowFiles(server.origin, files)).toBe(200);
    const radiographs = await Promise.all((await readdir(radiographDir)).sort().map(async (name) => new Uint8Array(await readFile(join(radiographDir, name)))));
    expect(await stowFiles(server.origin, radiographs)).toBe(200);
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

  it('serves the viewer shell at / and keeps API 404s as JSON', async () => {
    const shell = await fetch(`${server.origin}/studies/deep/link`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toMatch(/text\/html/);
    expect(await shell.text()).toContain('<div id="root">');
    const apiMiss = await fetch(`${server.origin}/dicomweb/no-such-route`);
    expect(apiMiss.status).toBe(404);
    expect(apiMiss.headers.get('content-type')).toMatch(/application\/json/);
    await apiMiss.arrayBuffer();
    for (const path of ['/api/nothing', '/health/x', '/assets/missing-abc123.js']) {
      const miss = await fetch(`${server.origin}${path}`);
      await miss.arrayBuffer(); // an unread body keeps the connection busy and server.close() waiting
      expect(miss.status, path).toBe(404);
    }
    const html = await (await fetch(`${server.origin}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const assetResponse = await fetch(`${server.origin}${asset}`);
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
    expect(['detector', 'magnification corrected', 'user', 'none']).toContain(calibration);
    if (calibration === 'none') expect(unit).toBe('px');
    if (process.env.VERTEBRA_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.VERTEBRA_SCREENSHOT_DIR, 'radiographs.png') });
    expect(stats.stdDev).toBeGreaterThan(5);
  });

  it('says so when a study is not in the archive', async () => {
    await page.goto(`${server.origin}/#/studies/1.2.3.4.5.404`);
    await page.waitForSelector('.study-viewer[data-viewer-state="error"]', { timeout: 10_000 });
    await expect(page.locator('.series-browser .error').textContent()).resolves.toContain('not in the archive');
  });
});
