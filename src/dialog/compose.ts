/**
 * A step of the turn, in the style of grammY's middleware and Hono's
 * compose: it may answer and stop (not call `next`), pass the turn on
 * (`await next()`), or do something after the steps below it have answered
 * (code after `await next()`).
 */
export type Step<C> = (ctx: C, next: () => Promise<void>) => Promise<void> | void;

/**
 * One function that runs `steps` in order over a context. Calling `next`
 * twice in one step is a bug and throws, as in grammY.
 */
export function compose<C>(steps: readonly Step<C>[]): (ctx: C) => Promise<void> {
  return (ctx) => {
    let last = -1;
    const run = async (i: number): Promise<void> => {
      if (i <= last) throw new Error("next() called twice in one turn step");
      last = i;
      const step = steps[i];
      if (step) await step(ctx, () => run(i + 1));
    };
    return run(0);
  };
}
