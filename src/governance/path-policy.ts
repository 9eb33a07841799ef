import picomatch from 'picomatch';
import { posix } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from '../config/config-error';

export interface PathRule {
  pattern: string;
  reason: string;
}

export interface PathPolicy {
  neverAutoApprove: PathRule[];
  autoApprove: PathRule[];
}

export type PathDecision = 'never_auto_approve' | 'auto_approve' | 'requires_approval';

export interface PathVerdict {
  path: string;
  normalized: string;
  decision: PathDecision;
  /** The pattern that decided, or `default-deny` when none matched. */
  rule: string;
}

/** A path an executor may not even ask about: empty, absolute, or escaping the project root. */
export class InvalidPathError extends Error {}

/**
 * Normalizes a requested path to the repository-relative form the patterns speak: backslashes become
 * "/", "./" and duplicate slashes go, "a/../b" resolves. Absolute paths, drive letters, UNC paths, NUL
 * bytes, empty paths and paths that climb above the root are refused.
 */
export function normalizeRequestedPath(raw: string): string {
  if (raw.includes('\0')) throw new InvalidPathError('contains a NUL byte');
  const slashed = raw.replace(/\\/g, '/').trim();
  if (slashed === '') throw new InvalidPathError('is empty');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) throw new InvalidPathError('is absolute');
  const normalized = posix.normalize(slashed).replace(/\/+$/, '');
  if (normalized === '..' || normalized.startsWith('../'))
    throw new InvalidPathError('escapes the project root');
  if (normalized === '.' || normalized === '') throw new InvalidPathError('names the project root itself');
  return normalized;
}

/** Compiled matchers: never-patterns ignore case (over-protect), auto-approve patterns respect it. */
export class PathPolicyEngine {
  private readonly never: Array<{ rule: PathRule; matches: (path: string) => boolean }>;
  private readonly auto: Array<{ rule: PathRule; matches: (path: string) => boolean }>;

  constructor(readonly policy: PathPolicy) {
    this.never = policy.neverAutoApprove.map((rule) => ({
      rule,
      matches: picomatch(rule.pattern, { dot: true, nocase: true }),
    }));
    this.auto = policy.autoApprove.map((rule) => ({ rule, matches: picomatch(rule.pattern, { dot: true }) }));
  }

  /** Throws InvalidPathError for a path that cannot be decided at all. */
  decide(path: string): PathVerdict {
    const normalized = normalizeRequestedPath(path);
    const never = this.never.find((entry) => entry.matches(normalized));
    if (never) return { path, normalized, decision: 'never_auto_approve', rule: never.rule.pattern };
    const auto = this.auto.find((entry) => entry.matches(normalized));
    if (auto) return { path, normalized, decision: 'auto_approve', rule: auto.rule.pattern };
    return { path, normalized, decision: 'requires_approval', rule: 'default-deny' };
  }
}

/** Reads and validates the policy file; every problem is a ConfigError naming the file and the entry. */
export function loadPathPolicy(file: string): PathPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`governance policy ${file} cannot be read`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ConfigError(
      `governance policy ${file} is not valid YAML (${(error as Error).message.split('\n')[0]})`,
    );
  }
  const fail = (why: string) => new ConfigError(`governance policy ${file}: ${why}`);
  if (typeof document !== 'object' || document === null) throw fail('must be a mapping');
  const { never_auto_approve: never, auto_approve: auto, ...rest } = document as Record<string, unknown>;
  const unknownKeys = Object.keys(rest);
  if (unknownKeys.length > 0) throw fail(`unknown key "${unknownKeys[0]}"`);
  const rules = (value: unknown, key: string): PathRule[] => {
    if (!Array.isArray(value) || value.length === 0) throw fail(`${key} must be a non-empty list`);
    return value.map((entry, index) => {
      const { pattern, reason, ...extra } = (entry ?? {}) as Record<string, unknown>;
      if (typeof pattern !== 'string' || pattern.trim() === '')
        throw fail(`${key}[${index}].pattern must be a non-empty string`);
      if (typeof reason !== 'string' || reason.trim() === '')
        throw fail(`${key}[${index}].reason must be a non-empty string`);
      if (Object.keys(extra).length > 0)
        throw fail(`${key}[${index}] has unknown key "${Object.keys(extra)[0]}"`);
      if (pattern.startsWith('/') || pattern.includes('\\'))
        throw fail(`${key}[${index}].pattern must be repository-relative with "/"`);
      return { pattern, reason };
    });
  };
  return { neverAutoApprove: rules(never, 'never_auto_approve'), autoApprove: rules(auto, 'auto_approve') };
}
