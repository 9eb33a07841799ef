import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Shapes of secrets that must never appear in a log line, whoever minted them. */
export const SECRET_SHAPES: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'API key', pattern: /apk_[0-9a-f]{12}_[A-Za-z0-9_-]{16,}/ },
  { name: 'JWT', pattern: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/ },
  { name: 'PEM private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: 'refresh token', pattern: /rt_[A-Za-z0-9_-]{43}/ },
];

export interface LogHit {
  file: string;
  line: number;
  /** What was found, masked: never print the secret itself. */
  what: string;
}

/** Too short to be a secret worth scanning for: it would match ordinary words. */
const MIN_SECRET_LENGTH = 8;

/** Every place in `logText` where a known secret, a line of one, or a secret-shaped string occurs. */
export function findSecrets(file: string, logText: string, secrets: readonly string[]): LogHit[] {
  const needles = needlesByPrefix(secrets);
  const hits: LogHit[] = [];
  logText.split('\n').forEach((text, index) => {
    // One map lookup per position (by the first characters of every secret) instead of one search per secret.
    for (let at = 0; at + MIN_SECRET_LENGTH <= text.length; at++) {
      for (const needle of needles.get(text.slice(at, at + MIN_SECRET_LENGTH)) ?? []) {
        if (text.startsWith(needle, at))
          hits.push({ file, line: index + 1, what: `a secret the tests used (${mask(needle)})` });
      }
    }
    for (const { name, pattern } of SECRET_SHAPES) {
      const match = pattern.exec(text);
      if (match) hits.push({ file, line: index + 1, what: `a ${name} (${mask(match[0])})` });
    }
  });
  return hits;
}

/** The secrets to look for, grouped by their first characters; a PEM key also line by line. */
function needlesByPrefix(secrets: readonly string[]): Map<string, string[]> {
  const needles = new Map<string, string[]>();
  for (const secret of secrets) {
    for (const part of new Set([secret, ...secret.split('\n')])) {
      const trimmed = part.trim();
      if (trimmed.length < MIN_SECRET_LENGTH || trimmed.startsWith('-----')) continue;
      const prefix = trimmed.slice(0, MIN_SECRET_LENGTH);
      needles.set(prefix, [...(needles.get(prefix) ?? []), trimmed]);
    }
  }
  return needles;
}

function mask(secret: string): string {
  return `${secret.slice(0, 4)}… ${secret.length} chars`;
}

export interface LogScan {
  logFiles: number;
  logLines: number;
  secrets: number;
  hits: LogHit[];
}

/** Scans every captured log in `directory` for every secret the test processes recorded there. */
export function scanLogDirectory(directory: string): LogScan {
  const names = readdirSync(directory);
  const secrets = new Set<string>();
  for (const name of names.filter((n) => n.startsWith('secrets-'))) {
    for (const line of readFileSync(join(directory, name), 'utf8').split('\n')) {
      if (line) secrets.add(JSON.parse(line) as string);
    }
  }
  const scan: LogScan = { logFiles: 0, logLines: 0, secrets: secrets.size, hits: [] };
  for (const name of names.filter((n) => n.endsWith('.log'))) {
    const text = readFileSync(join(directory, name), 'utf8');
    scan.logFiles += 1;
    scan.logLines += text.split('\n').filter(Boolean).length;
    scan.hits.push(...findSecrets(name, text, [...secrets]));
  }
  return scan;
}
