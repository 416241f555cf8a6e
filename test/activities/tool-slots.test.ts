import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ToolSlots } from '../../activities/tool-slots.js';

describe('tool slots', () => {
  it('refuses on the main queue when the tool is full, and a cancelled waiter never gets a slot', async () => {
    const slots = new ToolSlots(() => 1);
    const first = await slots.enter('t', 'refuse', 0);
    await assert.rejects(slots.enter('t', 'refuse', 2), (err: Error & { type?: string }) => err.type === 'ToolBusy');

    let cancel: (err: Error) => void = () => {};
    const cancelled = new Promise<never>((_, reject) => (cancel = reject));
    const gone = slots.enter('t', 'wait', 0, cancelled);
    const next = slots.enter('t', 'wait', 0);
    cancel(new Error('TIMED_OUT'));
    const stillWaiting = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still waiting')), 1_000).unref());
    await assert.rejects(Promise.race([gone, stillWaiting]), /TIMED_OUT/);

    first();
    const release = await next; // the slot skipped the cancelled waiter
    await assert.rejects(slots.enter('t', 'refuse', 0), (err: Error & { type?: string }) => err.type === 'ToolBusy', 'still one in flight');
    release();
    (await slots.enter('t', 'refuse', 0))();
  });
});
