import { validateSync } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { RegisterDto } from './dto/user.dto';
import { commonPasswords, PASSWORD_MAX, PASSWORD_MIN, passwordProblem } from './password-policy';

describe('password policy (NIST SP 800-63B)', () => {
  it('ships a blocklist of thousands of common passwords', () => {
    expect(commonPasswords().size).toBeGreaterThanOrEqual(5_000);
    expect(commonPasswords().has('password')).toBe(true);
  });

  it('accepts long passwords of any composition: no "one digit, one symbol" rule', () => {
    for (const ok of [
      'correct horse battery staple',
      'all lowercase letters here',
      'x'.repeat(5) + 'y'.repeat(5) + 'zz',
      'Ünïcödé pässwörd ok',
      'a'.repeat(PASSWORD_MAX - 4) + 'bcde',
    ]) {
      expect(passwordProblem(ok)).toBeNull();
    }
  });

  it('refuses by length: under 12, over 256', () => {
    expect(passwordProblem('a'.repeat(PASSWORD_MIN - 1))).toMatch(/at least 12/);
    expect(passwordProblem('ab'.repeat(PASSWORD_MAX))).toMatch(/at most 256/);
  });

  it('refuses common passwords, padded common words, repetitions, sequences and context words', () => {
    for (const bad of [
      '1qaz2wsx3edc',
      'QAZWSXEDCRFV',
      'PASSWORD1234',
      'password123456!',
      '!!Football2024',
      'iloveyouiloveyou',
      'abcabcabcabc',
      'aaaaaaaaaaaa',
      '123456789012',
      'abcdefghijklmno',
      'zyxwvutsrqpo',
      'autopack2024!!',
    ]) {
      expect([bad, passwordProblem(bad)]).toEqual([bad, expect.stringMatching(/too common/)]);
    }
    expect(passwordProblem('marie.curie1867', 'marie.curie')).toMatch(/too common/);
    expect(passwordProblem('marie.curie1867')).toBeNull();
  });

  it('never repeats the password in its message', () => {
    expect(passwordProblem('password123456')).not.toContain('password123456');
  });

  it('is what the DTOs (registration, the CLI) apply, with the username as a context word', () => {
    const errors = (body: object) => validateSync(plainToInstance(RegisterDto, body));
    expect(errors({ username: 'someone', password: 'a long enough password' })).toEqual([]);
    const refused = errors({ username: 'someone', password: 'letmein12345678' });
    expect(Object.values(refused[0].constraints ?? {})).toEqual([
      expect.stringMatching(/^password is too common/),
    ]);
    const short = errors({ username: 'someone', password: 'short' });
    // One message for a short password: the length rule's.
    expect(Object.keys(short[0].constraints ?? {})).toEqual(['isLength']);
    expect(errors({ username: 'grace.hopper', password: 'Grace.Hopper!!!' })).toHaveLength(1);
  });
});
