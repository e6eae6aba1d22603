/**
 * The kinds of operation step and their params, one table: what a caller plans (`PlannedStep`, typed
 * per kind) and the executor that runs it. The journal keeps params as JSON; `executorFor` is the one
 * place a stored step meets its kind's type again, and the journal holds only what `run` stored.
 */
import { bootOverrideStep, type BootOverrideParams } from './boot-override-step';
import { lifecycleStep, type LifecycleParams } from './lifecycle-step';
import { powerStep, type PowerParams } from './power-step';
import { reinstallStep, type ReinstallParams } from './reinstall-step';
import { runbookStep, type RunbookParams } from './runbook-step';
import type { StepExecutor, StepParams } from './step';
import { userdataStep, type UserdataParams } from './userdata-step';

export interface StepParamsByKind {
  bootOverride: BootOverrideParams;
  lifecycle: LifecycleParams;
  power: PowerParams;
  reinstall: ReinstallParams;
  runbook: RunbookParams;
  userdata: UserdataParams;
}
export type StepKind = keyof StepParamsByKind;

/** A step a caller plans: its kind and that kind's params. */
export type PlannedStep = { [K in StepKind]: { nodeId: string; kind: K; params: StepParamsByKind[K] } }[StepKind];

const EXECUTORS: { [K in StepKind]: StepExecutor<StepParamsByKind[K]> } = {
  bootOverride: bootOverrideStep,
  lifecycle: lifecycleStep,
  power: powerStep,
  reinstall: reinstallStep,
  runbook: runbookStep,
  userdata: userdataStep,
};

/** The executor of a stored step's kind; its params are the ones `run` stored for that kind. */
export function executorFor(kind: string): StepExecutor<StepParams> | undefined {
  return (EXECUTORS as Record<string, StepExecutor<never>>)[kind] as StepExecutor<StepParams> | undefined;
}
