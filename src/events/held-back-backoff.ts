/**
 * How soon a log reader looks again while committed events wait behind an older transaction still in
 * flight (see `EventLogService.page`'s `heldBack`). Such a wait is normally a few milliseconds, so the first
 * retry comes quickly; but a long transaction anywhere in the cluster (a migration, an idle-in-transaction
 * psql session) holds events back for as long as it stays open, and a fixed short retry would turn that into
 * a tight poll on every replica. So the delay doubles while reads make no progress, up to `maxMs`, and
 * starts again from `firstMs` as soon as a read moves forward or nothing is held back.
 */
export class HeldBackBackoff {
  private delayMs: number | undefined;

  constructor(
    private readonly firstMs: number,
    private readonly maxMs: number,
  ) {}

  /** The wait before the next read, or undefined when nothing is held back (the caller's usual pace). */
  next(read: { heldBack: boolean; progressed: boolean }): number | undefined {
    if (!read.heldBack) {
      this.delayMs = undefined;
      return undefined;
    }
    this.delayMs =
      this.delayMs === undefined || read.progressed ? this.firstMs : Math.min(this.delayMs * 2, this.maxMs);
    return this.delayMs;
  }
}
