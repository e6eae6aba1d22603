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
    flow.sent(200_000);
    flow.reset();
    expect(resume).toHaveBeenCalled();
    expect(flow.pending).toBe(0);
  });
});

describe('DataBatcher', () => {
  it('merges chunks that arrive within 5 ms into one message', async () => {
    const flushed: Buffer[] = [];
    const batcher = new DataBatcher((b) => flushed.push(b));
    batcher.push(Buffer.from('ab'));
    batcher.push(Buffer.from('cd'));
    expect(flushed).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(flushed.map(String)).toEqual(['abcd']);
    batcher.push(Buffer.from('e'));
    batcher.drain();
    expect(flushed.map(String)).toEqual(['abcd', 'e']);
  });
});

describe('DataBatcher under a flood', () => {
  it('sends a batch early once it reaches its size limit', () => {
    const flushed: Buffer[] = [];
    const batcher = new DataBatcher((b) => flushed.push(b), 5, 10);
    batcher.push(Buffer.alloc(6));
    expect(flushed).toHaveLength(0);
    batcher.push(Buffer.alloc(6));
    expect(flushed.map((b) => b.length)).toEqual([12]);
    batcher.dispose();
  });
});
