/** Types of scripts/build-cli.mjs (the CLI bundle build). */
/** Absolute path of out/cli/custodian.mjs. */
export const CLI_BUNDLE: string;
/** True when the bundle is missing or older than a source under electron/, package.json or the script. */
export function cliBundleIsStale(): boolean;
/** Builds the bundle. */
export function buildCli(): Promise<void>;
/** Builds when stale; resolves to whether it built. */
export function buildCliIfStale(): Promise<boolean>;
