/**
 * Runs one runbook over one serial line (docs/architecture.md#runbooks): gets a shell (logging in
 * with the credential when the console asks), then for each step sends its text and waits for its
 * regex on what the console printed since, failing on its `fail` regex or its timeout. The
 * transcript is what the console printed, control sequences removed, each send marked; the
 * password is never written to it (the console does not echo it, and any copy is masked anyway).
 */
import { AppError } from '../../../shared/errors';
import { fillTemplate, LOGIN_PROMPT, SHELL_PROMPT, type Runbook, type RunbookVariable } from '../../../shared/runbooks/runbook';

import type { ConsoleLine } from '../console/console-line';
export type { ConsoleLine };

export interface RunbookRun {
  ok: boolean;
  /** On failure: what went wrong, naming the step, in plain words. */
  message: string;
  transcript: string;
  /** Steps completed (the login counts as none). */
  completed: number;
}

const MAX_TRANSCRIPT = 256 * 1024;
const LOGIN_TIMEOUT_MS = 20_000;
/** CSI and OSC sequences and other escapes a transcript reader does not want to see. */
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\r(?!\n)/g;

export function plainText(text: string): string {
  return text.replace(ESCAPES, '').replace(/\r\n/g, '\n');
}

export async function runRunbook(
  runbook: Runbook,
  line: ConsoleLine,
  values: Partial<Record<RunbookVariable, string>>,
  options: {
    signal?: AbortSignal;
    loginTimeoutMs?: number;
    /** Passwords of the credentials steps send, by name. */ credentials?: Record<string, string>;
  } = {},
): Promise<RunbookRun> {
  const secret = values.password;
  const secrets = [...new Set([secret, ...Object.values(options.credentials ?? {})])].filter((s): s is string => !!s);
  // Main masks them in frames, backlog and log while the runbook runs; the transcript masks them too.
  const unmask = line.maskSecrets?.(secrets);
  const hide = (text: string) => secrets.reduce((t, s) => t.split(s).join('••••••'), text);
  let transcript = '';
  let pending = '';
  let waiter: (() => void) | null = null;
  const note = (text: string) => {
    if (transcript.length < MAX_TRANSCRIPT) transcript += text;
  };
  const off = line.onData((chunk) => {
    const text = hide(plainText(chunk.toString('utf8')));
    pending += text;
    if (pending.length > 64 * 1024) pending = pending.slice(-32 * 1024);
    note(text);
    waiter?.();
  });

  /** Waits until the output since the last send matches one of `patterns`; returns its index. */
  const waitFor = (patterns: RegExp[], timeoutMs: number): Promise<number | 'timeout'> =>
    new Promise((resolve) => {
      const check = () => {
        const index = patterns.findIndex((p) => p.test(pending));
        if (index < 0) return false;
        finish(index);
        return true;
      };
      const finish = (result: number | 'timeout') => {
        clearTimeout(timer);
        waiter = null;
        options.signal?.removeEventListener('abort', aborted);
        resolve(result);
      };
      const aborted = () => finish('timeout');
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      options.signal?.addEventListener('abort', aborted);
      waiter = () => void check();
      check();
    });

  const send = (text: string, shown: string) => {
    pending = '';
    note(`\n» ${shown}\n`);
    line.write(`${text}\r`);
  };
  const tail = () => JSON.stringify(pending.trim().slice(-160));
  const seconds = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);
  const result = (ok: boolean, message: string, completed: number): RunbookRun => ({ ok, message, transcript, completed });

  try {
    if (runbook.login) {
      // Wake the line: a shell prompt means someone is logged in already; a login prompt means we log in.
      send('', '(Enter)');
      const first = await waitFor([new RegExp(SHELL_PROMPT, 'm'), new RegExp(LOGIN_PROMPT, 'm')], options.loginTimeoutMs ?? LOGIN_TIMEOUT_MS);
      if (first === 'timeout')
        return result(
          false,
          `No shell or login prompt on the console within ${seconds(options.loginTimeoutMs ?? LOGIN_TIMEOUT_MS)}; is the node up? It printed ${tail()}.`,
          0,
        );
      if (first === 1) {
        if (!values.user || secret === undefined)
          return result(
            false,
            `The console asks for a login, and there is no console credential "${runbook.credential}" in the vault. Add it on the Connections screen (Console credentials).`,
            0,
          );
        send(values.user, values.user);
        if ((await waitFor([/[Pp]assword: ?$/m], 10_000)) === 'timeout')
          return result(false, `The console did not ask for a password after the user name; it printed ${tail()}.`, 0);
        send(secret, '(password)');
        const after = await waitFor([new RegExp(SHELL_PROMPT, 'm'), /Login incorrect|Permission denied|Authentication failure/], 15_000);
        if (after !== 0)
          return result(
            false,
            `The console refused the credential "${runbook.credential}" (user ${values.user}); check it on the Connections screen (Console credentials).`,
            0,
          );
      }
    }
    for (const [index, step] of runbook.steps.entries()) {
      const label = `Step ${index + 1} (${step.name})`;
      if (step.sendCredential !== null) {
        const password = options.credentials?.[step.sendCredential];
        if (password === undefined)
          return result(
            false,
            `${label}: there is no console credential "${step.sendCredential}" in the vault; add it under Connections → Console credentials.`,
            index,
          );
        send(password, `(the ${step.sendCredential} password)`);
      } else if (step.send !== null) {
        const text = fillTemplate(step.send, values);
        send(text, hide(text));
      }
      const patterns = [new RegExp(step.expect, 'm'), ...(step.fail ? [new RegExp(step.fail, 'm')] : [])];
      const matched = await waitFor(patterns, step.timeoutMs);
      if (options.signal?.aborted) return result(false, `${label}: stopped.`, index);
      if (matched === 'timeout')
        return result(false, `${label}: expected /${step.expect}/ within ${seconds(step.timeoutMs)}; the console printed ${tail()}.`, index);
      if (step.fail && new RegExp(step.fail, 'm').test(pending))
        return result(false, `${label}: the output matched /${step.fail}/, which fails the step: ${tail()}.`, index);
    }
    const verify = runbook.verify;
    if (verify.expect !== null) {
      if (verify.send !== null) send(fillTemplate(verify.send, values), fillTemplate(verify.send, values));
      const matched = await waitFor([new RegExp(verify.expect, 'm')], verify.timeoutMs);
      if (matched === 'timeout')
        return result(
          false,
          `Verification: expected /${verify.expect}/ within ${seconds(verify.timeoutMs)}; the console printed ${tail()}.`,
          runbook.steps.length,
        );
    }
    return result(
      true,
      `${runbook.name}: ${runbook.steps.length} step${runbook.steps.length === 1 ? '' : 's'} done${verify.expect !== null ? ', verified on the console' : ''}.`,
      runbook.steps.length,
    );
  } catch (error) {
    if (error instanceof AppError) return result(false, error.message, 0);
    return result(false, `The runbook could not go on: ${error instanceof Error ? error.message : String(error)}.`, 0);
  } finally {
    off();
    unmask?.();
  }
}
