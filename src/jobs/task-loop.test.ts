import { describe, expect, it } from 'vitest';
import { startWorker } from './task-loop.js';

const quiet = { warn() {}, info() {} };

describe('startWorker', () => {
  it('runs a task again at once while it finds work, and waits when it finds none', async () => {
    const queue = [3, 2, 1];
    let calls = 0;
    // The task says when there may be work again: here, when the test says so.
    let workArrived = () => {};
    const waitForWork = (signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        workArrived = resolve;
        signal.addEventListener('abort', () => resolve());
      });
    const worker = startWorker([{ name: 'drain', runOnce: async () => (calls++, queue.shift() ?? 0), waitForWork }], quiet);
    await new Promise((r) => setTimeout(r, 100));
    // Three batches with work, one empty one, then the long idle wait.
    expect(calls).toBe(4);
    queue.push(5);
    workArrived();
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(6);
    await worker.stop();
  });

  it('keeps running after a failing batch, and stop waits for the batch in progress', async () => {
    let calls = 0;
    let finished = false;
    const worker = startWorker(
      [
        {
          name: 'flaky',
          idleMs: 10,
          runOnce: async () => {
            calls++;
            if (calls === 1) throw new Error('database went away');
            await new Promise((r) => setTimeout(r, 50));
            finished = true;
            return 0;
          },
        },
      ],
      quiet,
    );
    await new Promise((r) => setTimeout(r, 300));
    await worker.stop();
    expect(calls).toBeGreaterThan(1);
    expect(finished).toBe(true);
  });
});
