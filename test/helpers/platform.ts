/**
 * Named conditions for the parts of the suite that need what only Linux (or POSIX) has. The CI's Windows
 * job (.github/workflows/ci.yml) runs everything else; each condition says here why it is one.
 */

/**
 * Linux-only parts: the canonical nginx (Debian's nginx-light, installed by .ci/run), `mkfifo`, `/proc`,
 * and — as they arrive — Chromium, podman and network namespaces.
 */
export const isLinux = process.platform === 'linux';

/**
 * POSIX file modes: what protects the data directory's secrets on Linux and macOS. Windows ignores them
 * (chmod only toggles read-only); the user profile's ACL protects the files there.
 */
export const itWithPosixModes = process.platform !== 'win32' ? it : it.skip;

/**
 * A process killed with SIGKILL leaves its children running (so a `kill -9`ed server leaves its postmaster
 * behind). Not on Windows: libuv puts every child in a kill-on-close job object, so they die with it.
 */
export const itWhereChildrenOutliveKilledParent = process.platform !== 'win32' ? it : it.skip;
