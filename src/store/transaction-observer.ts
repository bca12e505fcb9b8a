/** Told how the store commits its transactions, for metrics. */
export interface TransactionObserver {
  /** `size` transactions were committed in one database transaction (1: on its own, >1: together). */
  committed(size: number): void;
  /**
   * `size` transactions of a batch whose shared database transaction failed (a key taken twice, a
   * deadlock, a lost connection) are run again, each on its own.
   */
  rerunAlone(size: number): void;
}
