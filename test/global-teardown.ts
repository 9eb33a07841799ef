export default async function globalTeardown(): Promise<void> {
  await globalThis.__AUTOPACK_TEST_PG__?.stop();
}
