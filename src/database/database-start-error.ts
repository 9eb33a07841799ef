/** The database could not be started or reached; the message says why and what to do, in one line. */
export class DatabaseStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseStartError';
  }
}
