// When a tree last changed: the newest modification time of a file or of anything under a directory.
// Both `npm start` (rebuild only when a source is newer than the build) and the console browser tests
// (rebuild dist/console when console/ changed) ask it.
'use strict';
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

/** @param {string} path @returns {number} milliseconds since the epoch */
function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, entry) => Math.max(newest, newestMtime(join(path, entry))),
    stat.mtimeMs,
  );
}

module.exports = { newestMtime };
