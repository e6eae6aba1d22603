/**
 * Serial data flow control, VS Code's numbers (src/vs/platform/terminal/common/terminal.ts,
 * FlowControlConstants; docs/architecture.md#console-fast-path): main batches channel data every 5 ms, pauses
 * the SSH stream above 100,000 unacknowledged bytes and resumes below 5,000; the renderer
 * acknowledges from xterm's write callback in steps of 5,000.
 */
export const FLOW_HIGH_WATERMARK = 100_000;
export const FLOW_LOW_WATERMARK = 5_000;
export const FLOW_ACK_STEP = 5_000;
export const CONSOLE_BATCH_MS = 5;
/** A batch is sent early once this big (measured with the console bench: ≥ 64 KiB messages keep xterm near its write ceiling). */
export const CONSOLE_BATCH_MAX_BYTES = 64 * 1024;
