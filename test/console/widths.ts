import type { Page } from 'playwright-core';
import { screenshots, seriousAxeViolations } from './browser';

/**
 * axe at 1280 px and at 390 px (a layout that only breaks on a phone, e.g. a table wider than the screen
 * that cannot be scrolled by keyboard, shows only there), then the screenshots at both widths.
 */
export async function checkBothWidths(page: Page, name: string): Promise<void> {
  const original = page.viewportSize() ?? { width: 1280, height: 800 };
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.setViewportSize(original);
  await screenshots(page, name);
}
