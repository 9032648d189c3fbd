/** Runs async steps one at a time, in the order given: the ban manager's single line of changes. */
export class SerialQueue {
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;

  /** Queues op; resolves or rejects with its result once it ran. */
  runAndWait<T>(op: () => Promise<T>): Promise<T> {
    this.queued++;
    const result = this.chain.then(op);
    const done = () => {
      this.queued--;
    };
    this.chain = result.then(done, done);
    return result;
  }

  /** Queues op without waiting; a failure goes to onError. */
  run(op: () => Promise<void>, onError: (err: unknown) => void): void {
    void this.runAndWait(op).catch(onError);
  }

  /** Resolves once every queued step is done. */
  async idle(): Promise<void> {
    while (this.queued > 0) await this.chain;
  }
}
