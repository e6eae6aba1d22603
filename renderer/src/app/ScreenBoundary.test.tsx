import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ScreenBoundary } from './ScreenBoundary';

function Broken({ fail }: { fail: boolean }) {
  if (fail) throw new Error('Unexpected token \'#\', "#cloud-con"… is not valid JSON');
  return <p>Config works</p>;
}

function Shell() {
  const [fail, setFail] = useState(true);
  return (
    <>
      <nav>
        <button type="button" onClick={() => setFail(false)}>
          Fix it
        </button>
      </nav>
      <ScreenBoundary name="Config">
        <Broken fail={fail} />
      </ScreenBoundary>
    </>
  );
}

describe('ScreenBoundary', () => {
  it('keeps a screen’s render error in that screen, says what failed, and tries again', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    render(<Shell />);
    expect((await screen.findByRole('alert')).textContent).toMatch(/The Config screen stopped because of an error: Unexpected token/);
    // The rest of the window still works.
    await userEvent.click(screen.getByRole('button', { name: 'Fix it' }));
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(screen.getByText('Config works')).toBeTruthy();
  });
});
