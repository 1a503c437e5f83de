/**
 * End to end in Debian's Chromium (playwright-core, headless): the measured lines of the analysis
 * overlay on phantom CTs, analysed by the server itself. Lumbar CT with a known lordosis (L1–S1
 * 50°, the phantom's ground truth): the L1 superior and S1 superior endplate lines with the value
 * in the sagittal MPR view only; "drawn" is checked on screen pixels (yellow along each line with
 * the overlay on, changed when it is toggled off), the lines pass through the ends of the lines
 * the result says the angle was measured on, and the angle between them on screen is the reported
 * lordosis (within 0.5°) and the phantom's. Thoracic scoliosis: each curve's Cobb end-vertebra endplate
 * lines in the coronal view and the kyphosis lines in the sagittal view make the reported angles
 * on screen (within 0.5°). L4 anterolisthesis: the slip line joins the two posterior corners in
 * the sagittal view. Canal AP diameters: at L3's mid-body and at the L3–L4 disc, drawn as measured
 * (ends where the result's segment projects, magenta pixels, the value beside it) in the axial and
 * sagittal slices through them, gone with the overlay toggled off.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import sharp from 'sharp';
import { generatePhantomCase, phantomSuite } from '@vertebra/phantom';
import type { SeriesAnalysis } from '@vertebra/contracts';
import { ensureViewerBuilt, webDistDir } from './support/ensureViewerBuilt.js';
import { startViewerServer, stowFiles, type ViewerServer } from './support/startViewerServer.js';

const chromiumPath = '/usr/bin/chromium';
const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

type Rgb = [number, number, number];

/**
 * RGB pixels of a page rectangle (CSS px = device px: deviceScaleFactor 1); `around` gives the
 * four pixels whose centres surround a point (one of them lies well inside an antialiased 2 px
 * line through the point, whatever its slope).
 */
async function grab(page: Page, box: { x: number; y: number; width: number; height: number }): Promise<{ at(x: number, y: number): Rgb; around(x: number, y: number): Rgb[] }> {
  const png = await page.screenshot({ clip: box });
  if (process.env.VERTEBRA_SCREENSHOT_DIR) await writeFile(join(process.env.VERTEBRA_SCREENSHOT_DIR, `overlay-lines-${Date.now()}.png`), png);
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    at(x, y) {
      const i = 3 * (Math.round(y - box.y) * info.width + Math.round(x - box.x));
      return [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
    },
    around(x, y) {
      const out: Rgb[] = [];
      for (const row of [Math.floor(y - box.y - 0.5), Math.floor(y - box.y + 0.5)]) {
        for (const column of [Math.floor(x - box.x - 0.5), Math.floor(x - box.x + 0.5)]) {
          const i = 3 * (row * info.width + column);
          out.push([data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0]);
        }
      }
      return out;
    },
  };
}

/** The overlay's sagittal-angle yellow (#ffe24f), not the cyan endplates, green heights or white text. */
const isYellow = ([r, g, b]: Rgb): boolean => r > 180 && g > 160 && b < 140;
/** The overlay's canal AP magenta (#ff5cf0), not the light purple canal centreline (#d0a0ff). */
const isMagenta = ([r, g, b]: Rgb): boolean => r > 200 && g < 130 && b > 180;

type PagePoint = [number, number];
/** Page pixel ends of the `line` of each overlay group matched. */
function lineEnds(groups: Locator): Promise<Array<[PagePoint, PagePoint]>> {
  return groups.evaluateAll((els) =>
    els.map((g) => {
      const line = g.querySelector('line')!;
      const m = line.getScreenCTM()!;
      const at = (x: string, y: string): [number, number] => {
        const p = new DOMPoint(Number(line.getAttribute(x)), Number(line.getAttribute(y))).matrixTransform(m);
        return [p.x, p.y];
      };
      return [at('x1', 'y1'), at('x2', 'y2')] as [[number, number], [number, number]];
    }),
  );
}

/** Distance (px) of a point from the infinite line through a segment. */
function offLine(point: PagePoint, [p, q]: [PagePoint, PagePoint]): number {
  const dx = q[0] - p[0];
  const dy = q[1] - p[1];
  return Math.abs((point[0] - p[0]) * dy - (point[1] - p[1]) * dx) / Math.hypot(dx, dy);
}

/**
 * Stores one suite case's CT (on the small grid the analysis accuracy floors use) and waits for the
 * server's analysis job; its result. (expect.poll works inside tests only, so a plain loop.)
 */
async function storeAnalysedPhantom(server: ViewerServer, caseId: string) {
  const options = phantomSuite().find((c) => c.caseId === caseId)!;
  const phantom = generatePhantomCase({ ...options, modalities: ['ct'], ct: { ...options.ct, columns: 256, rows: 256, pixelSpacingMm: 1.6, sliceThicknessMm: 2 } });
  const visit = phantom.groundTruth.visits[0]!;
  expect(await stowFiles(server, phantom.files.filter((f) => f.path.endsWith('.dcm')).map((f) => f.bytes))).toBe(200);
  const analysesOf = async (): Promise<SeriesAnalysis[]> => ((await (await server.fetch(`/api/studies/${encodeURIComponent(visit.studyInstanceUid)}/analyses`)).json()) as { analyses: SeriesAnalysis[] }).analyses;
  let analyses = await analysesOf();
  for (const deadline = Date.now() + 120_000; !/^(done|failed)$/.test(analyses.map((a) => a.state).join(',')) && Date.now() < deadline; analyses = await analysesOf()) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const analysis = analyses[0]!;
  expect(analysis.state).toBe('done');
  expect(analysis.error).toBeNull();
  return { visit, result: analysis.result! };
}

describe.skipIf(!existsSync(chromiumPath))('analysis overlay lines end to end (Chromium, phantom CT with known lordosis)', () => {
  let server: ViewerServer;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  let study: string;
  let truthLordosisDeg: number;
  let result: NonNullable<SeriesAnalysis['result']>;

  beforeAll(async () => {
    await ensureViewerBuilt();
    server = await startViewerServer({ distDir: webDistDir, analysis: { quietMs: 300 } });
    // The suite's normal lumbar case (lordosis measured within 1° on this grid).
    const stored = await storeAnalysedPhantom(server, 'normal-hfs-1mm');
    study = stored.visit.studyInstanceUid;
    truthLordosisDeg = stored.visit.anatomy.alignment.lumbarLordosisDeg;
    result = stored.result;

    profileDir = await mkdtemp(join(tmpdir(), 'vertebra-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, { executablePath: chromiumPath, headless: true, args: chromiumFlags, viewport: { width: 1500, height: 800 } });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${server.origin}/login`);
    await page.fill('input[name="username"]', server.username);
    await page.fill('input[name="password"]', server.password);
    await page.click('button[type="submit"]');
    await page.locator(`.session-badge[data-username="${server.username}"]`).waitFor({ timeout: 20_000 });
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  it('draws the L1 and S1 endplate lines of the lordosis with its value in the sagittal view, as pixels that the toggle removes', async () => {
    const lordosis = result.measurements.lordosisL1S1;
    expect(lordosis).not.toBeNull();
    expect(Math.abs(lordosis!.angleDeg - truthLordosisDeg)).toBeLessThan(1); // the analysis floor (phantomAccuracy.test.ts)

    await page.goto(`${server.origin}/#/studies/${encodeURIComponent(study)}`);
    await page.waitForSelector('.study-viewer[data-viewer-state="ready"], .study-viewer[data-viewer-state="error"]', { timeout: 60_000 });
    expect(await page.locator('.study-viewer').getAttribute('data-viewer-state')).toBe('ready');
    const lines = page.locator('[data-overlay-viewport="mpr-sagittal"] .overlay-lordosis');
    await expect.poll(() => lines.count(), { timeout: 10_000 }).toBe(2);
    // The angle lies in the sagittal plane: not drawn in the axial or coronal view.
    expect(await page.locator('[data-overlay-viewport="mpr-axial"] .overlay-lordosis, [data-overlay-viewport="mpr-coronal"] .overlay-lordosis').count()).toBe(0);
    expect(await lines.evaluateAll((els) => els.map((e) => [e.getAttribute('data-level'), e.getAttribute('data-part'), e.getAttribute('data-value')]))).toEqual([
      ['L1', 'upper', lordosis!.angleDeg.toFixed(2)],
      ['S1', 'lower', lordosis!.angleDeg.toFixed(2)],
    ]);
    await expect(lines.nth(1).locator('text').textContent()).resolves.toBe(`Lordosis ${lordosis!.angleDeg.toFixed(1)}° L1–S1`);

    // Each line's ends in page pixels; it runs through the ends of the line the result says the
    // angle was measured on (L1: across its disc, S1: the sacral plateau), its middle half.
    const ends = await lineEnds(lines);
    expect(lordosis!.upperLine, 'the result carries the lines measured').toBeDefined();
    expect(await lines.evaluateAll((els) => els.map((e) => e.getAttribute('data-source')))).toEqual([lordosis!.upperLine!.source, lordosis!.lowerLine!.source]);
    for (const [k, measured] of [lordosis!.upperLine!, lordosis!.lowerLine!].entries()) {
      const [p, q] = ends[k]!;
      for (const [t, world] of [[0.25, measured.fromLps], [0.75, measured.toLps]] as const) {
        const at = (await page.evaluate((w) => window.vertebraViewer?.worldToPage('mpr-sagittal', w), [...world] as [number, number, number]))!;
        expect(Math.hypot(p[0] + t * (q[0] - p[0]) - at[0], p[1] + t * (q[1] - p[1]) - at[1]), `${measured.vertebraIndex} measured end`).toBeLessThan(1.5);
      }
      expect(Math.hypot(q[0] - p[0], q[1] - p[1]), `line ${k} length`).toBeGreaterThan(40);
    }
    // On screen the two lines make the reported lordosis, and so the phantom's.
    const direction = ([p, q]: readonly [[number, number], [number, number]]): number => Math.atan2(q[1] - p[1], q[0] - p[0]);
    let screenAngleDeg = (Math.abs(direction(ends[0]!) - direction(ends[1]!)) * 180) / Math.PI;
    if (screenAngleDeg > 90) screenAngleDeg = 180 - screenAngleDeg;
    expect(Math.abs(screenAngleDeg - lordosis!.angleDeg), `drawn angle ${screenAngleDeg.toFixed(2)}°, reported ${lordosis!.angleDeg.toFixed(2)}°`).toBeLessThan(0.5);
    expect(Math.abs(screenAngleDeg - truthLordosisDeg), `drawn angle ${screenAngleDeg.toFixed(2)}°, truth ${truthLordosisDeg}°`).toBeLessThan(3);

    // Pixels: sample each line between 10 % and 90 % of its length, with the overlay on and off.
    const cell = (await page.locator('[data-viewport-id="mpr-sagittal"]').boundingBox())!;
    const samples = ends.flatMap(([p, q]) => Array.from({ length: 17 }, (_, i) => 0.1 + (0.8 * i) / 16).map((t) => [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])] as const));
    // Not under text drawn over the lines (vertebra labels, the viewport's own label), 2 px around it.
    const texts = await page.locator('[data-viewport-id="mpr-sagittal"] .overlay-label text, [data-viewport-id="mpr-sagittal"] .viewport-label').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return [r.left - 2, r.top - 2, r.right + 2, r.bottom + 2] as const;
      }),
    );
    const inside = samples.filter(
      ([x, y]) => x > cell.x + 1 && x < cell.x + cell.width - 1 && y > cell.y + 1 && y < cell.y + cell.height - 1 && !texts.some(([l, t, r, b]) => x >= l && x <= r && y >= t && y <= b),
    );
    expect(inside.length).toBeGreaterThanOrEqual(samples.length * 0.75);
    const on = await grab(page, cell);
    const toggle = page.locator('.toolbar .overlay-toggle');
    await toggle.click();
    expect(await toggle.getAttribute('data-overlay')).toBe('off');
    expect(await lines.count()).toBe(0);
    await page.waitForFunction(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)))));
    const off = await grab(page, cell);
    const yellowOn = inside.filter(([x, y]) => on.around(x, y).some(isYellow)).length;
    const yellowOff = inside.filter(([x, y]) => off.around(x, y).some(isYellow)).length;
    const changed = inside.filter(([x, y]) => {
      const b = off.around(x, y);
      return on.around(x, y).some((a, k) => Math.abs(a[0] - b[k]![0]) + Math.abs(a[1] - b[k]![1]) + Math.abs(a[2] - b[k]![2]) > 60);
    }).length;
    const notYellow = inside.filter(([x, y]) => !on.around(x, y).some(isYellow)).map(([x, y]) => `${(x - cell.x).toFixed(1)},${(y - cell.y).toFixed(1)}:${on.at(x, y).join('/')}`);
    expect(yellowOn / inside.length, `yellow with the overlay on: ${yellowOn}/${inside.length}; not: ${notYellow.join(' ')}`).toBeGreaterThan(0.9);
    expect(changed / inside.length, `changed by the toggle: ${changed}/${inside.length}`).toBeGreaterThan(0.9);
    expect(yellowOff, 'yellow left with the overlay off').toBe(0);
    // And back on with the shortcut.
    await page.keyboard.press('g');
    await expect.poll(() => lines.count(), { timeout: 10_000 }).toBe(2);
  });

  it('draws the Cobb end-vertebra endplate lines in the coronal view and the kyphosis lines in the sagittal view of a thoracic scoliosis phantom', async () => {
    const { visit, result: scoliosis } = await storeAnalysedPhantom(server, 'scoliosis-right-thoracic');
    const cobb = scoliosis.measurements.cobb;
    const kyphosis = scoliosis.measurements.kyphosisT4T12;
    expect(cobb).not.toBeNull();

    await page.goto(`${server.origin}/#/studies/${encodeURIComponent(visit.studyInstanceUid)}`);
    await page.waitForSelector('.study-viewer[data-viewer-state="ready"], .study-viewer[data-viewer-state="error"]', { timeout: 60_000 });
    expect(await page.locator('.study-viewer').getAttribute('data-viewer-state')).toBe('ready');
    if (process.env.VERTEBRA_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.VERTEBRA_SCREENSHOT_DIR, 'overlay-lines-scoliosis.png') });
    /** Ends of the overlay lines of a kind in a viewport, page pixels. */
    const linesOf = (viewportId: string, kind: string) =>
      page.locator(`[data-overlay-viewport="${viewportId}"] .overlay-${kind} line`).evaluateAll((els) =>
        els.map((line) => {
          const m = (line as SVGLineElement).getScreenCTM()!;
          const at = (x: string, y: string): [number, number] => {
            const p = new DOMPoint(Number(line.getAttribute(x)), Number(line.getAttribute(y))).matrixTransform(m);
            return [p.x, p.y];
          };
          return [at('x1', 'y1'), at('x2', 'y2')] as [[number, number], [number, number]];
        }),
      );
    const screenAngleDeg = (a: [[number, number], [number, number]], b: [[number, number], [number, number]]): number => {
      const direction = ([p, q]: [[number, number], [number, number]]): number => Math.atan2(q[1] - p[1], q[0] - p[0]);
      const d = (Math.abs(direction(a) - direction(b)) * 180) / Math.PI % 180;
      return d > 90 ? 180 - d : d;
    };
    // Every coronal curve (the main thoracic one and the small compensatory curve above it) is drawn
    // with its two end-vertebra lines, in the order of the result's curves.
    const curves = scoliosis.measurements.cobbCurves ?? [cobb!];
    expect(curves.length).toBeGreaterThanOrEqual(1);
    expect(curves).toContainEqual(cobb);
    await expect.poll(async () => (await linesOf('mpr-coronal', 'cobb')).length, { timeout: 10_000 }).toBe(2 * curves.length);
    expect((await linesOf('mpr-sagittal', 'cobb')).length).toBe(0);
    const cobbLines = await linesOf('mpr-coronal', 'cobb');
    const cobbTexts = await page.locator('[data-overlay-viewport="mpr-coronal"] .overlay-cobb text').allTextContents();
    curves.forEach((curve, k) => {
      // The lines on screen make the measured Cobb angle: they are the lines with the tilts it was measured on.
      const drawnCobbDeg = screenAngleDeg(cobbLines[2 * k]!, cobbLines[2 * k + 1]!);
      expect(Math.abs(drawnCobbDeg - curve.angleDeg), `drawn Cobb ${drawnCobbDeg.toFixed(2)}°, measured ${curve.angleDeg.toFixed(2)}° (${curve.upperLevel}–${curve.lowerLevel})`).toBeLessThan(0.5);
      expect(cobbTexts).toContain(`Cobb ${curve.angleDeg.toFixed(1)}° ${curve.upperLevel}–${curve.lowerLevel}`);
    });
    // T4 and T12 are in view: the kyphosis lines in the sagittal view only, those it was measured on
    // (across their discs where found there, not the bodies' fitted planes).
    expect(kyphosis).not.toBeNull();
    const kyphosisLines = await linesOf('mpr-sagittal', 'kyphosis');
    expect(kyphosisLines).toHaveLength(2);
    expect((await linesOf('mpr-coronal', 'kyphosis')).length).toBe(0);
    const drawnKyphosisDeg = screenAngleDeg(kyphosisLines[0]!, kyphosisLines[1]!);
    expect(Math.abs(drawnKyphosisDeg - kyphosis!.angleDeg), `drawn kyphosis ${drawnKyphosisDeg.toFixed(2)}°, measured ${kyphosis!.angleDeg.toFixed(2)}°`).toBeLessThan(0.5);
  });

  it('draws the slip of a phantom L4 anterolisthesis between the posterior corners in the sagittal view', async () => {
    const { visit, result: listhesis } = await storeAnalysedPhantom(server, 'listhesis-l4-25');
    const finding = listhesis.findings.find((f) => f.kind === 'spondylolisthesis' && f.level === 'L4-L5');
    expect(finding, 'the analysis grades the L4-L5 slip').toBeDefined();
    const level = listhesis.measurements.levels.find((l) => l.level === 'L4-L5')!;

    await page.goto(`${server.origin}/#/studies/${encodeURIComponent(visit.studyInstanceUid)}`);
    await page.waitForSelector('.study-viewer[data-viewer-state="ready"], .study-viewer[data-viewer-state="error"]', { timeout: 60_000 });
    const slip = page.locator('[data-overlay-viewport="mpr-sagittal"] .overlay-slip');
    await expect.poll(() => slip.count(), { timeout: 10_000 }).toBe(listhesis.findings.filter((f) => f.kind === 'spondylolisthesis').length);
    const l4 = page.locator('[data-overlay-viewport="mpr-sagittal"] .overlay-slip[data-level="L4"]');
    await expect(l4.locator('text').textContent()).resolves.toBe(`L4-L5 slip ${level.slipPercent.toFixed(1)} %`);
    // From L5's postero-superior to L4's postero-inferior corner, where the viewport projects them.
    const ends = await l4.locator('line').evaluate((line) => {
      const m = (line as SVGLineElement).getScreenCTM()!;
      return [['x1', 'y1'], ['x2', 'y2']].map(([x, y]) => {
        const p = new DOMPoint(Number(line.getAttribute(x!)), Number(line.getAttribute(y!))).matrixTransform(m);
        return [p.x, p.y];
      });
    });
    const vertebra = (label: string) => listhesis.vertebrae.find((v) => v.label === label)!;
    for (const [k, world] of [vertebra('L5').posteriorSuperiorCornerLps, vertebra('L4').posteriorInferiorCornerLps].entries()) {
      const expected = (await page.evaluate((w) => window.vertebraViewer?.worldToPage('mpr-sagittal', w), [...world] as [number, number, number]))!;
      expect(Math.hypot(ends[k]![0]! - expected[0], ends[k]![1]! - expected[1])).toBeLessThan(1.5);
    }
    expect(await page.locator('[data-overlay-viewport="mpr-coronal"] .overlay-slip').count()).toBe(0);
  });
  it('draws the canal AP diameters at mid-body and at the disc as measured, with their values, in the axial and sagittal slices through them', async () => {
    const l3 = result.vertebrae.find((v) => v.label === 'L3')!;
    const disc = result.measurements.levels.find((l) => l.level === 'L3-L4')!;
    expect(l3.canalApSegmentLps, 'L3 mid-body canal segment').toBeTruthy();
    expect(disc.canalApSegmentLps, 'L3-L4 canal segment').toBeTruthy();
    await page.goto(`${server.origin}/#/studies/${encodeURIComponent(study)}`);
    await page.waitForSelector('.study-viewer[data-viewer-state="ready"], .study-viewer[data-viewer-state="error"]', { timeout: 60_000 });
    expect(await page.locator('.study-viewer').getAttribute('data-viewer-state')).toBe('ready');
    if ((await page.locator('.toolbar .overlay-toggle').getAttribute('data-overlay')) !== 'on') await page.keyboard.press('g');
    // This study's analysis is drawn (L3's label at its centroid) before the views are moved.
    const l3Label = page.locator(`[data-overlay-viewport="mpr-sagittal"] .overlay-label[data-world="${l3.centroidLps.map((c) => c.toFixed(2)).join(',')}"]`);
    await expect.poll(() => l3Label.count(), { timeout: 30_000 }).toBe(1);

    for (const [part, segment, value, text] of [
      ['mid-body', l3.canalApSegmentLps!, l3.canalApDiameterMm!, `L3 canal ${l3.canalApDiameterMm!.toFixed(1)} mm`],
      ['disc', disc.canalApSegmentLps!, disc.canalApMm!, `L3-L4 canal ${disc.canalApMm!.toFixed(1)} mm`],
    ] as const) {
      // Its length is the value (to the 0.01 mm the ends are stored with).
      expect(Math.hypot(...([0, 1, 2] as const).map((k) => segment.toLps[k] - segment.fromLps[k]))).toBeCloseTo(value, 1);
      const middle = ([0, 1, 2] as const).map((k) => (segment.fromLps[k] + segment.toLps[k]) / 2) as [number, number, number];
      // Each view's own slice through the segment (a view moves along its normal only), the other
      // views' planes away from it so that their crosshair lines do not run along it: the axial
      // view at the segment's height, the sagittal one through its x, the coronal 40 mm behind it.
      for (const [viewportId, offset] of [['mpr-axial', [20, 40, 0]], ['mpr-sagittal', [0, 40, 20]]] as const) {
        await page.evaluate((world) => window.vertebraViewer?.jumpToWorld(world), middle.map((c, k) => c + offset[k]!) as [number, number, number]);
        const group = page.locator(`[data-overlay-viewport="${viewportId}"] .overlay-canal-ap[data-part="${part}"][data-level="L3"]`);
        await expect.poll(() => group.count(), { timeout: 10_000 }).toBe(1);
        expect(await group.getAttribute('data-value')).toBe(value.toFixed(2));
        await expect(group.locator('text').textContent()).resolves.toBe(text);
        // The line's ends where the viewport projects the measured segment's ends.
        const [[p, q]] = (await lineEnds(group)) as [[PagePoint, PagePoint]];
        for (const [drawn, world] of [[p, segment.fromLps], [q, segment.toLps]] as const) {
          const at = (await page.evaluate(({ id, w }) => window.vertebraViewer?.worldToPage(id, w), { id: viewportId, w: [...world] as [number, number, number] }))!;
          expect(Math.hypot(drawn[0] - at[0], drawn[1] - at[1]), `${viewportId} ${part} end`).toBeLessThan(1.5);
        }
        // Magenta pixels along it (the middle 70 %).
        const cell = (await page.locator(`[data-viewport-id="${viewportId}"]`).boundingBox())!;
        const shot = await grab(page, cell);
        const samples = Array.from({ length: 15 }, (_, i) => 0.15 + (0.7 * i) / 14).map((t) => [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])] as const);
        // Not under the vertebra labels, drawn over the lines (in a small sagittal view a label may reach the canal).
        const texts = await page.locator(`[data-overlay-viewport="${viewportId}"] .overlay-label text`).evaluateAll((els) =>
          els.map((e) => {
            const r = e.getBoundingClientRect();
            return [r.left - 2, r.top - 2, r.right + 2, r.bottom + 2] as const;
          }),
        );
        const clear = samples.filter(([x, y]) => !texts.some(([l, t, r, b]) => x >= l && x <= r && y >= t && y <= b));
        expect(clear.length, `${viewportId} ${part}: samples clear of labels`).toBeGreaterThanOrEqual(5);
        const magenta = clear.filter(([x, y]) => shot.around(x, y).some(isMagenta)).length;
        const notMagenta = clear.filter(([x, y]) => !shot.around(x, y).some(isMagenta)).map(([x, y]) => `${(x - cell.x).toFixed(1)},${(y - cell.y).toFixed(1)}:${shot.at(x, y).join('/')}`);
        expect(magenta / clear.length, `${viewportId} ${part}: magenta ${magenta}/${clear.length}; not: ${notMagenta.join(' ')}`).toBeGreaterThan(0.8);
      }
      // Not in the coronal view (the segment runs through it end-on).
      expect(await page.locator('[data-overlay-viewport="mpr-coronal"] .overlay-canal-ap').count()).toBe(0);
    }
    // A slice 10 mm cranial to the disc segment holds neither.
    const above = ([0, 1, 2] as const).map((k) => (disc.canalApSegmentLps!.fromLps[k] + disc.canalApSegmentLps!.toLps[k]) / 2 + (k === 2 ? 10 : 0)) as [number, number, number];
    await page.evaluate((world) => window.vertebraViewer?.jumpToWorld(world), above);
    await expect.poll(() => page.locator('[data-overlay-viewport="mpr-axial"] .overlay-canal-ap[data-part="disc"][data-level="L3"]').count(), { timeout: 10_000 }).toBe(0);
    // Toggled off with the rest of the overlay.
    await page.keyboard.press('g');
    expect(await page.locator('.overlay-canal-ap').count()).toBe(0);
    await page.keyboard.press('g');
  });
});
