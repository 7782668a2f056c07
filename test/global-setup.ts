/**
 * Vitest global setup: rebuilds the CLI bundle (out/cli/custodian.mjs) when a source is newer, so the
 * tests that spawn bin/custodian never run a stale build of the code under test.
 */
import { buildCliIfStale } from '../scripts/build-cli.mjs';

export default async function setup(): Promise<void> {
  await buildCliIfStale();
}
