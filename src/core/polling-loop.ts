/**
 * A background loop that runs `pass` again and again: at once while a pass
 * did some work, else after `pollMs` or as soon as `notify` is called. A pass
 * that throws is reported to `onError` and the loop goes on (the database may
 * be down). The outbox relays (Slack, the lead webhook) run on it.
 */
export interface PollingLoop {
  /** True once `stop` was called: a pass in progress should finish early. */
  readonly stopping: boolean;
  /** Runs the next pass now, if the loop is waiting. */
  notify(): void;
  start(): void;
  /** Ends the loop after the pass in progress. */
  stop(): Promise<void>;
}

export function createPollingLoop(pass: () => Promise<number>, options: { pollMs: number; onError(err: unknown): void }): PollingLoop {
  let stopping = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  async function run() {
    while (!stopping) {
      let done = 0;
      try {
        done = await pass();
      } catch (err) {
        options.onError(err);
      }
      if (done === 0 && !stopping) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, options.pollMs);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  }

  return {
    get stopping() {
      return stopping;
    },
    notify: () => wake?.(),
    start() {
      loop ??= run();
    },
    async stop() {
      stopping = true;
      wake?.();
      await loop;
    },
  };
}
