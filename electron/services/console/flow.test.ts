import { describe, expect, it, vi } from 'vitest';
import { FLOW_HIGH_WATERMARK, FLOW_LOW_WATERMARK } from '../../../shared/flow-control';
import { DataBatcher, FlowController } from './flow';

describe('FlowController', () => {
  it('pauses above the high watermark and resumes only below the low one', () => {
    const pause = vi.fn();
    const resume = vi.fn();
    const flow = new FlowController(pause, resume);
    flow.sent(FLOW_HIGH_WATERMARK);
    expect(pause).not.toHaveBeenCalled();
    flow.sent(1);
    expect(pause).toHaveBeenCalledTimes(1);
    flow.sent(50_000);
    expect(pause).toHaveBeenCalledTimes(1);
    flow.acked(FLOW_HIGH_WATERMARK + 50_001 - FLOW_LOW_WATERMARK);
    expect(resume).not.toHaveBeenCalled();
    flow.acked(1);
    expect(resume).toHaveBeenCalledTimes(1);
    expect(flow.pending).toBe(FLOW_LOW_WATERMARK - 1);
  });

  it('forgets unacknowledged bytes when a fresh renderer attaches', () => {
    const resume = vi.fn();
    const flow = new FlowController(() => undefined, resume);
    flow.sent(FLOW_HIGH_WATERMARK + 1);
    flow.reset();
    expect(resume).toHaveBeenCalled();
    expect(flow.pending).toBe(0);
  });
});

describe('DataBatcher', () => {
  it('sends the first chunk after an idle line at once, and merges what follows within 5 ms into one message', async () => {
    const flushed: Buffer[] = [];
    const batcher = new DataBatcher((b) => flushed.push(b));
    batcher.push(Buffer.from('a'));
    // An echoed keystroke does not wait for a batch.
    expect(flushed.map(String)).toEqual(['a']);
    batcher.push(Buffer.from('b'));
    batcher.push(Buffer.from('cd'));
    expect(flushed.map(String)).toEqual(['a']);
    await new Promise((r) => setTimeout(r, 20));
    expect(flushed.map(String)).toEqual(['a', 'bcd']);
    // Idle again after a quiet window: the next chunk goes at once too.
    await new Promise((r) => setTimeout(r, 20));
    batcher.push(Buffer.from('e'));
    expect(flushed.map(String)).toEqual(['a', 'bcd', 'e']);
    batcher.push(Buffer.from('f'));
    batcher.drain();
    expect(flushed.map(String)).toEqual(['a', 'bcd', 'e', 'f']);
    batcher.dispose();
  });
});

describe('DataBatcher under a flood', () => {
  it('sends a batch early once it reaches its size limit', () => {
    const flushed: Buffer[] = [];
    const batcher = new DataBatcher((b) => flushed.push(b), 5, 10);
    batcher.push(Buffer.alloc(1));
    batcher.push(Buffer.alloc(6));
    expect(flushed.map((b) => b.length)).toEqual([1]);
    batcher.push(Buffer.alloc(6));
    expect(flushed.map((b) => b.length)).toEqual([1, 12]);
    batcher.dispose();
  });
});
