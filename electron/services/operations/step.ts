/**
 * What a kind of operation step knows how to do (docs/architecture.md#operations): the engine runs
 * steps through these, and each step kind (power, reinstall, userdata, boot override, runbook) implements one.
 */
import type { FleetNode } from '../../../shared/model';
import type { FleetProvider } from '../providers/provider';
import type { RunbookRun } from '../runbooks/runbook-runner';

/** A step's params as the journal keeps them (JSON); each kind has its own type (step-kinds.ts). */
export type StepParams = Record<string, unknown>;

/** What a kind of step knows how to do, with its own params type. */
/** What verification has seen of the node since the step was sent. */
export interface StepSighting {
  /** It left where it was (its update time or state moved). */
  leftStart: boolean;
  /** It was seen in the middle of the action itself (a reinstall's `reinstalling` or `provisioning`). */
  moving?: boolean;
}

export interface StepExecutor<P extends StepParams = StepParams> {
  /** Why the step cannot run on the node now (null: it can). Checked before anything is sent. */
  blocked(node: FleetNode, params: P): string | null;
  /**
   * Sends the step. It may return params to keep for verifying (e.g. the node's update time just
   * before the action, which tells a finished action from a node that never started it without
   * comparing our clock with the provider's).
   */
  send(context: StepContext, node: FleetNode, params: P, stepId: string): Promise<void | StepParams>;
  /** Did a send whose answer was lost take effect? Looked at on a fresh read of the node. */
  applied(node: FleetNode, params: P): boolean;
  /**
   * A send that is many actions (a runbook typing on a console) cannot be told apart from half of it
   * when Ironpane stopped mid-way: such a step that did not visibly apply is reported, not sent again.
   */
  notResentAfterCrash?: boolean;
  /** How long the step may take to show its effect, as a multiple of a power action's time. */
  timeoutFactor?: number;
  /**
   * Given the node now, is the step done, failed, or still under way? `seen.leftStart` is also set
   * by the engine once the node's update time differs from the one kept from before the request.
   */
  settle(node: FleetNode, params: P, sentAt: number, seen: StepSighting): { outcome: 'succeeded' | 'failed'; message: string } | null;
  /**
   * A last check once the node looks done, against what the provider reports (e.g. that the user
   * data it provisioned with is the chosen revision, that its console shows a login prompt). Says
   * whether it holds, and the outcome's message (which checks passed, or the one that did not).
   */
  confirm?(context: StepContext, node: FleetNode, params: P, settled: string): Promise<{ ok: boolean; message: string }>;
  /** What the node should show when the step worked ("inactive"), for the timeout message. */
  expectation(params: P): string;
  /** The audit action name (`power.reboot`) and a label for messages ("Reboot"). */
  auditAction(params: P): string;
  label(params: P): string;
}

export interface StepContext {
  /** The provider of the node's connection: a step reaches no service's provider map itself. */
  providerFor(node: FleetNode): Promise<FleetProvider>;
  /** Runs a runbook document on a node's serial console. */
  runbooks: {
    run(node: FleetNode, text: string, values: { targetVersion?: string }): Promise<RunbookRun>;
    /** Does the node's console show a login (or shell) prompt? Never asks about an unknown host key. */
    loginPrompt(node: FleetNode): Promise<{ checked: boolean; ok: boolean; message: string }>;
  };
  saveTranscript(stepId: string, text: string): void;
}
