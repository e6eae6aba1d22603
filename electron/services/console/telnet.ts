/**
 * Telnet as a serial server speaks it (ser2net, conserver ports, Ironic's socat console): the option
 * negotiation of RFC 854/855 done the way a console client needs it, and nothing else. Pure: bytes in,
 * bytes out, so it is tested on its own.
 *
 * - Incoming `IAC IAC` is a data byte 255; `IAC DO/DONT/WILL/WONT <opt>` is answered once per
 *   change (RFC 854's rule against loops) and `IAC SB … IAC SE` is read and dropped. Everything else
 *   is data for the screen.
 * - Agreed: the server echoes (ECHO, RFC 857), no go-ahead (SUPPRESS-GO-AHEAD, RFC 858), binary both
 *   ways (RFC 856, so bytes ≥ 128 and a lone CR pass untouched), and the COM-PORT-OPTION of RFC 2217
 *   when the server offers it (its BREAK is SET-CONTROL 5/6). Anything else is refused.
 * - Outgoing data doubles every 255 once the link speaks telnet.
 * - A link that never sends IAC is raw TCP (socat, nc): nothing is ever added to what is typed.
 */

export const IAC = 255;
export const DONT = 254;
export const DO = 253;
export const WONT = 252;
export const WILL = 251;
export const SB = 250;
export const BRK = 243;
export const SE = 240;

export const OPT_BINARY = 0;
export const OPT_ECHO = 1;
export const OPT_SGA = 3;
/** RFC 2217 COM-PORT-OPTION. */
export const OPT_COM_PORT = 44;
/** RFC 2217 SET-CONTROL (client to server is 5); values 5/6 set BREAK on/off. */
const COM_PORT_SET_CONTROL = 5;
const CONTROL_BREAK_ON = 5;
const CONTROL_BREAK_OFF = 6;

/** What we let the server do (it says WILL) and what we do ourselves (it says DO). */
/** A subnegotiation longer than this is not one a console reads: the rest is screen data again (a server that opens SB and never closes it would otherwise swallow the console). */
const MAX_SUBNEGOTIATION = 4096;

const THEY_MAY = new Set([OPT_ECHO, OPT_SGA, OPT_BINARY, OPT_COM_PORT]);
const WE_WILL = new Set([OPT_SGA, OPT_BINARY, OPT_COM_PORT]);

export class TelnetCodec {
  /** The peer has spoken telnet at least once: outgoing 255s are doubled from then on. */
  telnet = false;
  /** The server agreed to RFC 2217 (it said WILL COM-PORT-OPTION). */
  comPort = false;
  private state: 'data' | 'iac' | 'option' | 'sb' | 'sb-iac' = 'data';
  private verb = 0;
  private sbLength = 0;
  private readonly theirs = new Map<number, boolean>();
  private readonly ours = new Map<number, boolean>();

  /** Splits what arrived into screen bytes and the answers to send back. */
  receive(chunk: Buffer): { data: Buffer; reply: Buffer } {
    const data: number[] = [];
    const reply: number[] = [];
    for (const byte of chunk) {
      switch (this.state) {
        case 'data':
          if (byte === IAC) this.state = 'iac';
          else data.push(byte);
          break;
        case 'iac':
          this.telnet = true;
          if (byte === IAC) {
            data.push(IAC);
            this.state = 'data';
          } else if (byte === DO || byte === DONT || byte === WILL || byte === WONT) {
            this.verb = byte;
            this.state = 'option';
          } else if (byte === SB) {
            this.state = 'sb';
            this.sbLength = 0;
          } else this.state = 'data'; // NOP, GA, DM, AYT…: nothing for a console to do
          break;
        case 'option':
          reply.push(...this.negotiate(this.verb, byte));
          this.state = 'data';
          break;
        case 'sb':
          if (byte === IAC) this.state = 'sb-iac';
          else if (++this.sbLength > MAX_SUBNEGOTIATION) this.state = 'data';
          break;
        case 'sb-iac':
          this.state = byte === SE ? 'data' : 'sb';
          break;
      }
    }
    return { data: Buffer.from(data), reply: Buffer.from(reply) };
  }

  /** What to send for typed bytes: unchanged on raw TCP, 255 doubled on telnet. */
  send(data: Buffer): Buffer {
    if (!this.telnet || !data.includes(IAC)) return data;
    const out: number[] = [];
    for (const byte of data) {
      out.push(byte);
      if (byte === IAC) out.push(IAC);
    }
    return Buffer.from(out);
  }

  /** How BREAK goes on this link: RFC 2217 when agreed, else telnet's BRK, else null (raw TCP has none). */
  breakSequence(): { on: Buffer; off: Buffer | null; label: string } | null {
    if (this.comPort) {
      return {
        on: Buffer.from([IAC, SB, OPT_COM_PORT, COM_PORT_SET_CONTROL, CONTROL_BREAK_ON, IAC, SE]),
        off: Buffer.from([IAC, SB, OPT_COM_PORT, COM_PORT_SET_CONTROL, CONTROL_BREAK_OFF, IAC, SE]),
        label: 'RFC 2217 SET-CONTROL BREAK',
      };
    }
    if (this.telnet) return { on: Buffer.from([IAC, BRK]), off: null, label: 'telnet BREAK (IAC BRK)' };
    return null;
  }

  /**
   * RFC 854/855: a WILL is answered DO or DONT, a DO is answered WILL or WONT; a request for a mode
   * already in effect (an enabled option offered again, a disabled one withdrawn) is not answered.
   */
  private negotiate(verb: number, option: number): number[] {
    const theirSide = verb === WILL || verb === WONT;
    const state = theirSide ? this.theirs : this.ours;
    const enabled = state.get(option) ?? false;
    const asksOn = verb === WILL || verb === DO;
    if (asksOn && enabled) return [];
    if (!asksOn && !enabled) return [];
    const accept = asksOn && (theirSide ? THEY_MAY : WE_WILL).has(option);
    state.set(option, accept);
    if (theirSide && option === OPT_COM_PORT) this.comPort = accept;
    if (theirSide) return [IAC, accept ? DO : DONT, option];
    return [IAC, accept ? WILL : WONT, option];
  }
}
