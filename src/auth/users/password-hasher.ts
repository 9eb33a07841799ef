import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

/** `Algorithm.Argon2id`: the package's const enum cannot be imported under isolatedModules. */
const ARGON2ID_ALGORITHM = 2;

/** OWASP's recommended argon2id parameters (19 MiB, 2 passes, 1 lane). */
const ARGON2ID = { algorithm: ARGON2ID_ALGORITHM, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * argon2id password hashing. `verifyOrWaste` gives an unknown user the same work as a known one, so
 * the response time does not tell whether a username exists.
 */
@Injectable()
export class PasswordHasher {
  /** A hash of a random password nobody knows, computed at start: the decoy for unknown users. */
  private readonly decoy: Promise<string> = this.hash(randomBytes(32).toString('base64url'));

  hash(password: string): Promise<string> {
    return hash(password, ARGON2ID);
  }

  /** True only when `storedHash` is given and matches; the same argon2 work happens either way. */
  async verifyOrWaste(storedHash: string | undefined, password: string): Promise<boolean> {
    const target = storedHash ?? (await this.decoy);
    const matches = await verify(target, password).catch(() => false);
    return storedHash !== undefined && matches;
  }
}
