import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inCi } from '../helpers/testEnvironment.js';
import { CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, SOURCE_STUDY_UID, missingPieces, startE2eStack, type E2eStack } from './e2eStack.js';

/** Set to 1 to refresh docs/images/extension-*.png; otherwise screenshots go to a temp folder. */
const UPDATE_SCREENSHOTS = process.env.CHEXGEN_UPDATE_SCREENSHOTS === '1';
/** Few steps keep the test fast; the docs' screenshots show what a user gets with the model's default. */
const STEPS = UPDATE_SCREENSHOTS ? 20 : 3;
const SHOT_DIR = UPDATE_SCREENSHOTS ? join(REPO_ROOT, 'docs', 'images') : mkdtempSync(join(tmpdir(), 'chexgen-e2e-shots-'));
mkdirSync(SHOT_DIR, { recursive: true });

/** Missing pieces per store: the Orthanc run needs Orthanc, the embedded-store run does not. */
function skipFor(store: 'orthanc' | 'embedded'): boolean {
  const missing = missingPieces(store === 'orthanc');
  if (missing.length > 0 && !inCi) console.warn(`extension e2e (${store} store) skipped: missing ${missing.join(', ')}; set CI=true to make this a failure`);
  return missing.length > 0 && !inCi;
}

/** A synthesis request as the panel POSTs it (the fields this test checks). */
type SentRequest = {
  text?: string; sex?: string; age?: number; view?: string; steps?: number; seed?: number; count?: number; sourceStudy?: string;
  guidance?: number; spatialGuidance?: number;
  boxes?: { label: string; x0: number; y0: number; x1: number; y1: number }[]; sourceWidth?: number; sourceHeight?: number;
  masks?: { label: string; width: number; height: number; rle: number[] }[];
};

async function shot(page: Page, name: string, store: string): Promise<void> {
  if (UPDATE_SCREENSHOTS && store !== 'orthanc') return; // the docs show the Orthanc run
  await page.screenshot({ path: join(SHOT_DIR, `extension-${name}.png`) });
}

/** Opens `studies` in our mode and waits for the panel and a rendered viewport. */
async function openViewer(page: Page, origin: string, studies: string[]): Promise<void> {
  await page.goto(`${origin}/chexgen?StudyInstanceUIDs=${studies.join(',')}`);
  await page.locator('[data-cy="chexgen-panel"]').waitFor({ timeout: 90_000 });
  await page.locator('canvas.cornerstone-canvas').first().waitFor({ timeout: 90_000 });
  const banner = page.getByRole('button', { name: 'Confirm and hide' });
  if (await banner.isVisible()) await banner.click();
}

/** Drags from (fx0, fy0) to (fx1, fy1), fractions of the first viewport canvas. */
async function drag(page: Page, fx0: number, fy0: number, fx1: number, fy1: number): Promise<void> {
  const box = await page.locator('canvas.cornerstone-canvas').first().boundingBox();
  if (box === null) throw new Error('no viewport canvas');
  await page.mouse.move(box.x + box.width * fx0, box.y + box.height * fy0);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * fx1, box.y + box.height * fy1, { steps: 10 });
  await page.mouse.up();
}

for (const store of ['orthanc', 'embedded'] as const) {
  describe.skipIf(skipFor(store))(`chexgen extension in OHIF (headless Chromium), real server, ${store} store`, () => {
    let stack: E2eStack;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];
    let sent: SentRequest | undefined;
    let resultStudy = '';

    beforeAll(async () => {
      stack = await startE2eStack(store);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('request', (request) => {
        if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/v1/syntheses') sent = request.postDataJSON() as SentRequest;
      });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await stack?.close();
    }, 60_000);

    it('when a box and a brushed mask are drawn and labelled, then the panel sends them in source pixels and the image appears', async () => {
      await openViewer(page, stack.origin, [SOURCE_STUDY_UID]);
      const synthesize = page.locator('[data-cy="chexgen-synthesize"]');
      await expect.poll(() => synthesize.isDisabled()).toBe(true);
      expect(await page.locator('[data-cy="chexgen-disabled-reason"]').innerText()).toContain('give report text');

      // a box with OHIF's RectangleROI tool (Measurement tools menu)
      await page.locator('[data-cy="MeasurementTools-split-button-secondary"]').click();
      await page.locator('[data-cy="RectangleROI"]').first().click();
      await drag(page, 0.6, 0.35, 0.68, 0.42);
      await page.locator('[data-cy="chexgen-box"]').first().waitFor({ timeout: 15_000 });
      await page.locator('[data-cy="chexgen-box-label-0"]').selectOption('nodule');

      // a mask: OHIF's labelmap panel adds a segmentation, the brush paints it
      await page.locator('[data-cy="panelSegmentationWithToolsLabelMap-btn"]').click();
      await page.locator('[data-cy="addSegmentation"]').click();
      await page.locator('[data-cy="Brush-btn"]').click();
      await drag(page, 0.3, 0.3, 0.35, 0.6);
      await page.locator('[data-cy="synthesis-btn"]').click();
      await page.locator('[data-cy="chexgen-segment"]').first().waitFor({ timeout: 15_000 });
      await page.locator('[data-cy="chexgen-mask-label-0"]').selectOption('right_lung');

      await page.locator('[data-cy="chexgen-report-text"]').fill('Solitary pulmonary nodule in the left upper lobe.');
      await page.locator('[data-cy="chexgen-sex"]').selectOption('F');
      await page.locator('[data-cy="chexgen-age"]').fill('66');
      await page.locator('[data-cy="chexgen-view"]').selectOption('PA');
      await page.locator('[data-cy="chexgen-steps"]').fill(String(STEPS));
      await page.locator('[data-cy="chexgen-seed"]').fill('7');
      await page.locator('[data-cy="chexgen-link-source"]').check(); // linking the source study is an explicit choice
      expect(await page.locator('[data-cy="chexgen-prompt-preview"]').innerText()).toBe(
        'sex: female, age: 66, view: PA. Solitary pulmonary nodule in the left upper lobe.',
      );
      await expect.poll(() => synthesize.isEnabled()).toBe(true);
      await shot(page, 'panel', store);

      await synthesize.click();
      const open = page.locator('[data-cy="chexgen-open-0"]:not([disabled])');
      await open.waitFor({ timeout: 120_000 });
      expect(await page.locator('[data-cy="chexgen-job-status"]').innerText()).toBe('succeeded');
      const thumbnail = page.locator('[data-cy="chexgen-result"] img').first();
      await expect.poll(() => thumbnail.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(256);
      await shot(page, 'result', store);

      expect(sent).toBeDefined();
      const request = sent as SentRequest;
      expect(request).toMatchObject({ text: 'Solitary pulmonary nodule in the left upper lobe.', sex: 'F', age: 66, view: 'PA', steps: STEPS, seed: 7, count: 1, sourceStudy: SOURCE_STUDY_UID, sourceWidth: 256, sourceHeight: 256 });
      // the built-in model's two guidance defaults, prefilled from /api/v1/models and both sent
      expect(request).toMatchObject({ guidance: 4, spatialGuidance: 1.5 });
      expect(request.boxes).toHaveLength(1);
      const b = request.boxes![0];
      expect(b.label).toBe('nodule');
      expect(0 <= b.x0 && b.x0 < b.x1 && b.x1 <= 256 && 0 <= b.y0 && b.y0 < b.y1 && b.y1 <= 256).toBe(true);
      expect(request.masks).toHaveLength(1);
      const m = request.masks![0];
      expect(m).toMatchObject({ label: 'right_lung', width: 256, height: 256 });
      expect(m.rle.reduce((sum, run) => sum + run, 0)).toBe(256 * 256);
      const inside = m.rle.filter((_, i) => i % 2 === 1).reduce((sum, run) => sum + run, 0);
      expect(inside).toBeGreaterThan(50); // the brush stroke painted pixels
      expect(pageErrors).toEqual([]);
    }, 240_000);

    it('when the result is opened beside the source, then both studies show and the synthetic study carries its SR box and SEG mask', async () => {
      await page.locator('[data-cy="chexgen-open-0"]').click();
      await page.waitForURL(/StudyInstanceUIDs=[^&]*,/, { timeout: 30_000 });
      resultStudy = decodeURIComponent(new URL(page.url()).searchParams.get('StudyInstanceUIDs') ?? '').split(',')[1] ?? '';
      expect(new URL(page.url()).searchParams.get('StudyInstanceUIDs')?.split(',')[0]).toBe(SOURCE_STUDY_UID);
      await page.locator('[data-cy="chexgen-panel"]').waitFor({ timeout: 90_000 });
      // OHIF's compare protocol: source left, synthetic right
      await expect.poll(() => page.locator('canvas.cornerstone-canvas').count(), { timeout: 60_000 }).toBe(2);
      const modalities = async () => page.locator('[data-cy="series-modality-label"]').allInnerTexts();
      await expect.poll(async () => (await modalities()).map((s) => s.trim()).sort().join(','), { timeout: 60_000 }).toContain('SEG');
      expect((await modalities()).map((s) => s.trim())).toEqual(expect.arrayContaining(['DX', 'SR', 'SEG']));

      // SR: OHIF's dicom-sr extension loads it into the (synthetic image's) viewport and draws its box there
      await page.locator('[data-cy="viewport-pane"]').nth(1).click();
      await page.locator('[data-cy="study-browser-thumbnail-no-image"]', { hasText: 'SR' }).first().dblclick();
      const srAnnotations = () =>
        page.evaluate(() => {
          const tools = (globalThis as unknown as { cornerstoneTools?: { annotation: { state: { getAllAnnotations(): { metadata?: { toolName?: string } }[] } } } }).cornerstoneTools;
          return (tools?.annotation.state.getAllAnnotations() ?? []).map((a) => a.metadata?.toolName ?? '');
        });
      await expect.poll(srAnnotations, { timeout: 60_000 }).toEqual(expect.arrayContaining([expect.stringMatching(/^SR|DICOMSRDisplay/)]));
      // the SR box, back in image pixels, is the box the panel sent
      const srBoxes = await page.evaluate(() => {
        type Annotation = { metadata?: { toolName?: string; referencedImageId?: string }; data?: { handles?: { points?: number[][] } } };
        const g = globalThis as unknown as {
          cornerstoneTools: { annotation: { state: { getAllAnnotations(): Annotation[] } } };
          cornerstone: { utilities: { worldToImageCoords(id: string, p: number[]): number[] } };
        };
        return g.cornerstoneTools.annotation.state
          .getAllAnnotations()
          .filter((a) => /^SR|DICOMSRDisplay/.test(a.metadata?.toolName ?? '') && a.metadata?.referencedImageId && a.data?.handles?.points?.length)
          .map((a) => {
            const pixels = a.data!.handles!.points!.map((p) => g.cornerstone.utilities.worldToImageCoords(a.metadata!.referencedImageId!, p));
            const xs = pixels.map((p) => p[0]);
            const ys = pixels.map((p) => p[1]);
            return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
          });
      });
      const sentBox = sent!.boxes![0];
      expect(srBoxes.some((b) => ['x0', 'y0', 'x1', 'y1'].every((k) => Math.abs(b[k as 'x0'] - sentBox[k as 'x0']) <= 1.5))).toBe(true);
      await shot(page, 'side-by-side-sr', store);

      // SEG: OHIF's dicom-seg extension loads it as a labelmap segmentation with our mask's segment
      await page.locator('[data-cy="study-browser-thumbnail-no-image"]', { hasText: 'SEG' }).first().dblclick();
      await page.getByRole('button', { name: 'Yes' }).click({ timeout: 30_000 }); // "Do you want to open this Segmentation?"
      const segments = () =>
        page.evaluate(() => {
          const services = (globalThis as unknown as { services?: { segmentationService?: { getSegmentations(): { segments: Record<string, { label?: string } | undefined> }[] } } }).services;
          return (services?.segmentationService?.getSegmentations() ?? []).flatMap((s) => Object.values(s.segments).map((x) => x?.label ?? ''));
        });
      await expect.poll(segments, { timeout: 60_000 }).toEqual(expect.arrayContaining([expect.stringMatching(/lung/i)]));
      // ... and its labelmap holds the mask: about as many pixels as the brush stroke the panel sent
      const painted = () =>
        page.evaluate(() => {
          const g = globalThis as unknown as {
            services: { segmentationService: { getSegmentations(): { representationData: { Labelmap?: { imageIds?: string[] } } }[] } };
            cornerstone: { cache: { getImage(id: string): { voxelManager?: { getScalarData(): ArrayLike<number> } } | undefined } };
          };
          let count = 0;
          for (const s of g.services.segmentationService.getSegmentations()) {
            for (const id of s.representationData.Labelmap?.imageIds ?? []) {
              const data = g.cornerstone.cache.getImage(id)?.voxelManager?.getScalarData() ?? [];
              for (let i = 0; i < data.length; i++) if (data[i] !== 0) count++;
            }
          }
          return count;
        });
      const sentInside = sent!.masks![0].rle.filter((_, i) => i % 2 === 1).reduce((sum, run) => sum + run, 0);
      await expect.poll(painted, { timeout: 30_000 }).toBeGreaterThan(sentInside * 0.5);
      expect(await painted()).toBeLessThan(sentInside * 1.5);
      await page.waitForTimeout(1500);
      await shot(page, 'side-by-side-seg', store);
      expect(resultStudy).toMatch(/^2\.25\.\d+$/);
      expect(pageErrors).toEqual([]);
    }, 180_000);

    it('when the cohort dialog submits a small cohort, then it shows progress, links its manifest and shows its contact sheet', async () => {
      await page.locator('[data-cy="synthesis-btn"]').click();
      await page.locator('[data-cy="chexgen-open-cohort"]').click();
      const dialog = page.locator('[data-cy="chexgen-cohort-dialog"]');
      await dialog.waitFor({ timeout: 10_000 });
      await page.locator('[data-cy="chexgen-cohort-size"]').fill('2');
      await page.locator('[data-cy="chexgen-cohort-seed"]').fill('11');
      await dialog.getByPlaceholder(/^\d+$/).first().fill('2'); // steps
      if (store === 'orthanc') await shot(page, 'cohort', store);
      await page.locator('[data-cy="chexgen-cohort-submit"]').click();
      const manifest = page.locator('[data-cy="chexgen-cohort-manifest"] a', { hasText: 'JSON' });
      await manifest.waitFor({ timeout: 150_000 });
      expect(await page.locator('[data-cy="chexgen-cohort-status"]').innerText()).toContain('succeeded');
      const href = await manifest.getAttribute('href');
      expect(href).toMatch(/^\/api\/v1\/cohorts\/[0-9a-f-]+\/manifest\.json$/);
      const answer = await fetch(`${stack.origin}${href}`);
      expect(answer.status).toBe(200);
      const sheet = page.locator('[data-cy="chexgen-cohort-sheet"] img');
      await sheet.waitFor({ timeout: 30_000 });
      await page.waitForFunction('document.querySelector(\'[data-cy="chexgen-cohort-sheet"] img\')?.complete === true');
      expect(await sheet.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(300);
      await shot(page, 'cohort-done', store);
      expect(pageErrors).toEqual([]);
    }, 200_000);
  });
}
