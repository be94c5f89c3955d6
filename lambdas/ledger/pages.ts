import { type StatsDelta, tally } from '../stats/counters';
import { Transaction } from '../store/transaction';

/** DynamoDB's limit per transaction, less room for the checks each one starts with. */
const itemsPerTransaction = 95;

/**
 * Writes of many purchases in as few transactions as fit: each transaction starts with the same
 * checks (`begin`: that the summary they were derived with still holds) and takes purchases until
 * the next one would pass DynamoDB's 100 items, counting the stats counter items they touch.
 */
export class PagedWrites {
  private transaction = new Transaction();
  private readonly counters = new Map<string, unknown>();
  private staged = 0;
  committed = 0;

  constructor(private readonly begin: (transaction: Transaction) => void) {
    begin(this.transaction);
  }

  /** Stages one change of `items` items and these stats figures, committing what came before if it would not fit. */
  async add(items: number, figures: StatsDelta[], stage: (transaction: Transaction) => void): Promise<void> {
    const counters = new Map(this.counters);
    tally(figures, counters as Parameters<typeof tally>[1]);
    if (this.staged > 0 && this.transaction.size + items + counters.size > itemsPerTransaction) {
      await this.flush();
      tally(figures, this.counters as Parameters<typeof tally>[1]);
    } else for (const [key, value] of counters) this.counters.set(key, value);
    stage(this.transaction);
    this.staged += 1;
  }

  async flush(): Promise<void> {
    if (this.staged === 0) return;
    await this.transaction.commit();
    this.committed += this.staged;
    this.transaction = new Transaction();
    this.begin(this.transaction);
    this.counters.clear();
    this.staged = 0;
  }
}
