import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerDecorator } from 'class-validator';
import type { ValidationArguments } from 'class-validator';

/**
 * The password policy of NIST SP 800-63B (5.1.1.2): a minimum length, a generous maximum, a check against
 * passwords known to be common, and nothing else: no composition rules ("one digit, one symbol"), no
 * expiry. Every password set through the API (registration, an admin's create or reset, a set-password
 * link, changing one's own) and the CLI's `users:create` goes through `passwordProblem`.
 */
export const PASSWORD_MIN = 12;
/** argon2 cost grows with input; nobody's password is longer than this. */
export const PASSWORD_MAX = 256;

/** Words of this service that make a password guessable here (NIST: "context-specific words"). */
const CONTEXT_WORDS = ['autopack'];

/** The bundled blocklist (common-passwords.txt, copied next to the compiled file by nest-cli.json). */
let blocklist: ReadonlySet<string> | undefined;
export function commonPasswords(): ReadonlySet<string> {
  blocklist ??= new Set(
    readFileSync(join(__dirname, 'common-passwords.txt'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith('#')),
  );
  return blocklist;
}

/** True when every step goes one up or one down (`abcdefghijkl`, `987654321098` with 9→0 wrapping). */
function isSequential(value: string): boolean {
  const step = (i: number) => {
    const a = value.charCodeAt(i - 1);
    const b = value.charCodeAt(i);
    if (a === 57 && b === 48) return 1; // 9 → 0
    if (a === 48 && b === 57) return -1; // 0 → 9
    return b - a;
  };
  const first = step(1);
  if (Math.abs(first) !== 1) return false;
  for (let i = 2; i < value.length; i += 1) if (step(i) !== first) return false;
  return true;
}

/** The shortest unit the whole value repeats (`abcabcabc` → `abc`), or the value itself. */
function repeatedUnit(value: string): string {
  for (let size = 1; size <= value.length / 2; size += 1) {
    if (value.length % size === 0 && value.slice(0, size).repeat(value.length / size) === value) {
      return value.slice(0, size);
    }
  }
  return value;
}

/** The letters-bounded middle of a value: `!!password1234` → `password`. */
const coreOf = (value: string) => value.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');

/**
 * Why `password` may not be used, or null when it may. `username` (when known) counts as a context word.
 * The message never repeats the password.
 */
export function passwordProblem(password: string, username?: string): string | null {
  if (password.length < PASSWORD_MIN) return `password must be at least ${PASSWORD_MIN} characters long`;
  if (password.length > PASSWORD_MAX) return `password must be at most ${PASSWORD_MAX} characters long`;
  const lower = password.toLowerCase();
  // The common trick of a common word padded with digits or symbols (`password1234!`) counts as the word.
  const core = coreOf(lower);
  const unit = repeatedUnit(lower);
  const words = commonPasswords();
  const context = [...CONTEXT_WORDS, ...(username ? [username.trim().toLowerCase()] : [])].flatMap((word) => [
    word,
    coreOf(word),
  ]);
  const guessable =
    words.has(lower) ||
    (core.length > 0 && (words.has(core) || context.includes(core))) ||
    context.includes(lower) ||
    unit.length <= 4 ||
    words.has(unit) ||
    isSequential(lower);
  return guessable
    ? 'password is too common or too easy to guess (a common password, a repeated or sequential pattern, ' +
        'or the username): choose another, e.g. a few unrelated words'
    : null;
}

/**
 * class-validator: the property is a string that passes `passwordProblem`. Put it after
 * `@Length(PASSWORD_MIN, PASSWORD_MAX)`, which states the length in the contract and reports it: this one
 * accepts any out-of-range length so that a too-short password gets one message, not two.
 * `usernameProperty` names the sibling property holding the username, when the body has one.
 */
export function IsAcceptablePassword(usernameProperty?: string): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isAcceptablePassword',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          if (typeof value !== 'string') return false;
          if (value.length < PASSWORD_MIN || value.length > PASSWORD_MAX) return true;
          const username = usernameProperty
            ? (args.object as Record<string, unknown>)[usernameProperty]
            : undefined;
          return passwordProblem(value, typeof username === 'string' ? username : undefined) === null;
        },
        defaultMessage(args: ValidationArguments) {
          if (typeof args.value !== 'string') return `${args.property} must be a string`;
          const username = usernameProperty
            ? (args.object as Record<string, unknown>)[usernameProperty]
            : undefined;
          const problem = passwordProblem(args.value, typeof username === 'string' ? username : undefined);
          return (problem ?? 'password is invalid').replace(/^password/, args.property);
        },
      },
    });
  };
}
