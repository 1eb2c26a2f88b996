// Real Chromium for whole-system tests: Debian's `chromium` (provisioned by scripts/provision.mjs)
// driven by playwright-core, which downloads no browser of its own. $LEASE_CHROMIUM names
// another binary. Tests call requireComponent with `chromiumAvailable()` first.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.LEASE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_HOW_TO_GET = 'apt-get install chromium (scripts/provision.mjs does it as root), or set LEASE_CHROMIUM to a Chromium binary';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Headless Chromium; close it when done. As root, Chromium's sandbox cannot start: it is turned off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
}
