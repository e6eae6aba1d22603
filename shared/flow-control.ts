/**
 * Serial data flow control, after VS Code's scheme (src/vs/platform/terminal/common/terminal.ts,
 * FlowControlConstants; docs/architecture.md#console-fast-path): main batches channel data every 5 ms, pauses
 * the SSH stream above 1 MiB of unacknowledged bytes and resumes below 512 KiB; the renderer
 * acknowledges from xterm's write callback in steps of 5,000.
 *
 * VS Code's own window (pause above 100,000, resume below 5,000) drains the renderer completely
 * before main sends again: with the acknowledgement's round trip in between, the console bench
 * measured 4.0 MB/s. Resuming at half a 1 MiB window keeps xterm fed (7–8 MB/s, where the renderer
 * itself is the limit: a 4 MiB window measured the same). 1 MiB is ~50 ms of xterm's own write
 * speed here, so Ctrl-C still reaches a prompt promptly.
 */
export const FLOW_HIGH_WATERMARK = 1_048_576;
export const FLOW_LOW_WATERMARK = 524_288;
export const FLOW_ACK_STEP = 5_000;
export const CONSOLE_BATCH_MS = 5;
/** A batch is sent early once this big (measured with the console bench: ≥ 64 KiB messages keep xterm near its write ceiling). */
export const CONSOLE_BATCH_MAX_BYTES = 64 * 1024;
