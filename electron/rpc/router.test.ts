import { describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { createRouter, type Handlers } from './router';

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  const unused = async () => {
    throw new Error('not used in this test');
  };
  const all = Object.fromEntries(METHOD_NAMES.map((m) => [m, unused])) as unknown as Handlers;
  return { ...all, ...overrides };
}

describe('router', () => {
  const log = { error: vi.fn() };

  it('refuses unknown methods as invalid input', async () => {
    const router = createRouter(handlers(), log);
    expect(await router.call('fleet.delete', {})).toMatchObject({ ok: false, error: { code: 'invalid', retryable: false } });
    expect(await router.call(42, {})).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });

  it('validates input before the handler runs, and names the bad field', async () => {
    const power = vi.fn();
    const router = createRouter(handlers({ 'actions.power': power }), log);
    const result = await router.call('actions.power', { nodeId: 'lab:1', action: 'explode' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^Action: must be one of: power_on, power_off, reboot/);
    expect(power).not.toHaveBeenCalled();
    // Extra fields are refused too: inputs are exact.
    expect(await router.call('connections.remove', { accountId: 'x', force: true })).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });

  it('wraps a value in ok and passes parsed input', async () => {
    const router = createRouter(
      handlers({
        'audit.list': async ({ limit }) => [{ id: String(limit), at: '', actor: '', action: '', target: '', targetName: '', outcome: 'accepted', message: '' }],
      }),
      log,
    );
    expect(await router.call('audit.list', { limit: 3 })).toMatchObject({ ok: true, value: [{ id: '3' }] });
  });

  it('maps AppError to its code with a request id, and hides unexpected errors', async () => {
    const router = createRouter(
      handlers({
        'fleet.snapshot': async () => {
          throw new AppError('unreachable', 'Could not reach api.example');
        },
        'fleet.refresh': async () => {
          throw new Error('secret-token-123 leaked in a stack');
        },
      }),
      log,
    );
    const known = await router.call('fleet.snapshot', {});
    expect(known).toMatchObject({ ok: false, error: { code: 'unreachable', message: 'Could not reach api.example', retryable: true } });
    const unknown = await router.call('fleet.refresh', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'internal', retryable: false } });
    expect(JSON.stringify(unknown)).not.toContain('secret-token-123');
    expect(log.error).toHaveBeenCalled();
  });

  it('says what is wrong in plain words, naming the field and the entry', async () => {
    const router = createRouter(handlers(), log);
    const name = await router.call('connections.add', {
      kind: 'metal',
      name: 'x'.repeat(81),
      settings: { baseUrl: 'https://a.example', token: 't', projectId: 'p' },
    });
    expect(name).toMatchObject({ ok: false, error: { message: 'Name: at most 80 characters' } });
    const hosts = Array.from({ length: 6 }, () => 'core@jump.example');
    const many = await router.call('connections.setConsoleSettings', {
      accountId: 'a',
      settings: { keepaliveSeconds: 0, legacyAlgorithms: false, jumpHosts: hosts },
    });
    expect(many).toMatchObject({ ok: false, error: { message: 'Jump hosts: at most 5 entries' } });
  });

  it('repeats only a bounded part of a huge bad request', async () => {
    const router = createRouter(handlers(), log);
    const input = Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`unknown_key_${i}`, i]));
    const request = JSON.stringify(input);
    const reply = JSON.stringify(await router.call('fleet.snapshot', input));
    expect(request.length).toBeGreaterThan(400_000);
    expect(reply.length).toBeLessThan(1_000);
    expect(reply).toContain('40000 unknown fields: unknown_key_0, unknown_key_1');
    expect(reply).toContain('and 39995 more');
  });
});
