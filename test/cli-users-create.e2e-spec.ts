import { PassThrough, Readable } from 'node:stream';
import request from 'supertest';
import { usersCreate, UsageError } from '../src/cli/users-create';
import { createTestApp } from './helpers/app';
import { createTestDatabase } from './helpers/database';

const PASSWORD = 'first-admin-password-123';

function io(stdinText: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (chunk) => (out += chunk));
  return { io: { stdin: Readable.from([stdinText]), stdout, stderr }, output: () => out };
}

/** Input errors must stop the command before it opens any database. */
const unreachable = () => Promise.reject(new Error('the database must not be opened'));

describe('cli users:create', () => {
  it('creates the first admin with the password from stdin; that admin can log in', async () => {
    const database = await createTestDatabase();
    const run = io(`${PASSWORD}\n`);
    await usersCreate(['--username', 'Root', '--role', 'admin'], run.io, async () => ({
      url: database.url,
      stop: async () => undefined,
    }));
    expect(run.output()).toMatch(/^created user "root" \(role admin, id [0-9a-f-]{36}\)\n$/);
    expect(run.output()).not.toContain(PASSWORD);

    const t = await createTestApp({ database });
    try {
      const login = await request(t.http)
        .post('/api/auth/login')
        .send({ username: 'root', password: PASSWORD });
      expect(login.status).toBe(200);
      const users = await request(t.http)
        .get('/api/auth/users')
        .set('Authorization', `Bearer ${login.body.access_token}`);
      expect(users.status).toBe(200);
      expect(users.body.users[0]).toMatchObject({ username: 'root', role: 'admin' });
    } finally {
      await t.close();
    }
  });

  it.each([
    [['--username', 'x1', '--role', 'admin', '--password', PASSWORD], /--password is not accepted/],
    [['--role', 'admin'], /usage/],
    [['--username', 'someone', '--role', 'root'], /--role must be one of/],
    [['--username', 'someone', '--bogus'], /Unknown option/],
  ])('refuses bad arguments before touching the database (%#)', async (args, message) => {
    await expect(usersCreate(args, io(PASSWORD).io, unreachable)).rejects.toThrow(message);
  });

  it('refuses a password the API would refuse', async () => {
    await expect(usersCreate(['--username', 'someone'], io('short\n').io, unreachable)).rejects.toThrow(
      UsageError,
    );
  });

  it.each([['qwerty123456789\n'], ['aaaaaaaaaaaaaaaa\n'], ['someone-else-2024\n']])(
    "applies the API's password policy: a common or guessable password is refused (%#)",
    async (typed) => {
      await expect(usersCreate(['--username', 'someone-else'], io(typed).io, unreachable)).rejects.toThrow(
        /password is too common or too easy to guess/,
      );
    },
  );
});
