/**
 * The bulk policy every multi-node operation runs under (docs/architecture.md#operations): canary
 * first, at most N in flight, stop after M failures. One hook for the values and their problems
 * (each naming its field), one set of fields, shared by bulk reprovision and bulk runbooks.
 */
import { useState } from 'react';

export interface BulkPolicy {
  maxParallel: number;
  canary: boolean;
  stopAfterFailures: number;
}

export function useBulkPolicy(defaults: { maxParallel: string; stopAfter: string } = { maxParallel: '5', stopAfter: '1' }) {
  const [maxParallel, setMaxParallel] = useState(defaults.maxParallel);
  const [canary, setCanary] = useState(true);
  const [stopAfter, setStopAfter] = useState(defaults.stopAfter);
  const parallel = Number(maxParallel);
  const stop = Number(stopAfter);
  const problems = {
    maxParallel: !Number.isInteger(parallel) || parallel < 1 || parallel > 100 ? 'Max parallel must be a whole number from 1 to 100.' : null,
    stopAfter: !Number.isInteger(stop) || stop < 0 ? 'Stop after failures must be a whole number, 0 for never.' : null,
  };
  const policy: BulkPolicy = { maxParallel: parallel, canary, stopAfterFailures: stop };
  /** "One node goes first…; then at most 5 at a time, stopping after 1 failure." */
  const describe = (noun: string) =>
    `${canary ? `One node goes first and must ${noun}; then ` : ''}at most ${parallel} at a time${stop > 0 ? `, stopping after ${stop} failure${stop === 1 ? '' : 's'}` : ''}.`;
  return {
    fields: { maxParallel, setMaxParallel, canary, setCanary, stopAfter, setStopAfter },
    problems,
    invalid: Boolean(problems.maxParallel || problems.stopAfter),
    policy,
    describe,
  };
}

export function BulkPolicyFields({ state, idPrefix, parallelNote }: { state: ReturnType<typeof useBulkPolicy>; idPrefix: string; parallelNote: string }) {
  const { fields, problems } = state;
  return (
    <>
      <label className="check">
        <input type="checkbox" checked={fields.canary} onChange={(e) => fields.setCanary(e.target.checked)} /> Canary: one node first, verified, before the rest
      </label>
      <div className={`form-field${problems.maxParallel ? ' invalid' : ''}`}>
        <label htmlFor={`${idPrefix}-parallel`}>Max parallel</label>
        <input
          id={`${idPrefix}-parallel`}
          type="number"
          min={1}
          max={100}
          value={fields.maxParallel}
          onChange={(e) => fields.setMaxParallel(e.target.value)}
          aria-invalid={Boolean(problems.maxParallel)}
          aria-describedby={`${idPrefix}-parallel-note`}
        />
        <span id={`${idPrefix}-parallel-note`} className={problems.maxParallel ? 'field-error' : 'muted small'}>
          {problems.maxParallel ?? parallelNote}
        </span>
      </div>
      <div className={`form-field${problems.stopAfter ? ' invalid' : ''}`}>
        <label htmlFor={`${idPrefix}-stop`}>Stop after failures</label>
        <input
          id={`${idPrefix}-stop`}
          type="number"
          min={0}
          value={fields.stopAfter}
          onChange={(e) => fields.setStopAfter(e.target.value)}
          aria-invalid={Boolean(problems.stopAfter)}
          aria-describedby={`${idPrefix}-stop-note`}
        />
        <span id={`${idPrefix}-stop-note`} className={problems.stopAfter ? 'field-error' : 'muted small'}>
          {problems.stopAfter ?? '0 never stops.'}
        </span>
      </div>
    </>
  );
}
