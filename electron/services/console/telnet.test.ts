/** Telnet negotiation as a console client needs it (RFC 854/855/856/857/858/2217), byte by byte. */
import { describe, expect, it } from 'vitest';
import { BRK, DO, DONT, IAC, OPT_BINARY, OPT_COM_PORT, OPT_ECHO, OPT_SGA, SB, SE, TelnetCodec, WILL, WONT } from './telnet';

const b = (...bytes: number[]) => Buffer.from(bytes);

describe('TelnetCodec', () => {
  it('passes raw TCP through untouched, 255 included, and has no BREAK of its own', () => {
    const codec = new TelnetCodec();
    expect(codec.receive(Buffer.from('login: ')).data.toString()).toBe('login: ');
    expect(codec.send(b(65, 255, 66))).toEqual(b(65, 255, 66));
    expect(codec.breakSequence()).toBeNull();
  });

  it('agrees to echo, no go-ahead, binary and RFC 2217; refuses the rest; answers each change once', () => {
    const codec = new TelnetCodec();
    const first = codec.receive(
      b(IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA, IAC, DO, OPT_BINARY, IAC, DO, 24 /* TTYPE */, IAC, WILL, OPT_COM_PORT, ...Buffer.from('hi')),
    );
    expect(first.data.toString()).toBe('hi');
    expect([...first.reply]).toEqual([IAC, DO, OPT_ECHO, IAC, DO, OPT_SGA, IAC, WILL, OPT_BINARY, IAC, WONT, 24, IAC, DO, OPT_COM_PORT]);
    // The same offers again: already in effect, not answered (no negotiation loop).
    expect([...codec.receive(b(IAC, WILL, OPT_ECHO, IAC, DO, OPT_BINARY)).reply]).toEqual([]);
    // A withdrawn option is acknowledged once.
    expect([...codec.receive(b(IAC, WONT, OPT_ECHO)).reply]).toEqual([IAC, DONT, OPT_ECHO]);
    expect([...codec.receive(b(IAC, WONT, OPT_ECHO)).reply]).toEqual([]);
  });

  it('reads IAC IAC as a data byte, drops subnegotiation, and keeps state across chunk boundaries', () => {
    const codec = new TelnetCodec();
    const one = codec.receive(b(65, IAC));
    const two = codec.receive(b(IAC, 66, IAC, SB, OPT_COM_PORT, 105, 1, 2, IAC));
    const three = codec.receive(b(SE, 67));
    expect(Buffer.concat([one.data, two.data, three.data])).toEqual(b(65, 255, 66, 67));
    // Once the peer speaks telnet, a typed 255 is doubled.
    expect(codec.send(b(1, 255, 2))).toEqual(b(1, 255, 255, 2));
  });

  it('sends BREAK as RFC 2217 SET-CONTROL when agreed, else as IAC BRK', () => {
    const plain = new TelnetCodec();
    plain.receive(b(IAC, WILL, OPT_ECHO));
    expect(plain.breakSequence()).toMatchObject({ on: b(IAC, BRK), off: null, label: 'telnet BREAK (IAC BRK)' });
    const rfc2217 = new TelnetCodec();
    rfc2217.receive(b(IAC, WILL, OPT_COM_PORT));
    expect(rfc2217.breakSequence()).toMatchObject({ on: b(IAC, SB, OPT_COM_PORT, 5, 5, IAC, SE), off: b(IAC, SB, OPT_COM_PORT, 5, 6, IAC, SE) });
  });

  it('gives up a subnegotiation that never ends, so a server cannot swallow the console', () => {
    const codec = new TelnetCodec();
    const opened = codec.receive(Buffer.concat([b(IAC, SB, OPT_COM_PORT), Buffer.alloc(5000, 65)]));
    expect(opened.data.length).toBeGreaterThan(0);
    expect(codec.receive(Buffer.from('login: ')).data.toString()).toBe('login: ');
  });
});
