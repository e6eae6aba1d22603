import net from 'node:net';
import ssh2 from 'ssh2';
import { LabFleet } from '../../electron/lab/lab-fleet';
import { SerialGateway } from '../../electron/lab/serial-gateway';
import { generateSshKeyPair } from '../../electron/lab/lab-keys';
const fleet = new LabFleet({ nodeCount: 3, timeScale: 0.1, failureRate: 0 } as never);
const user = generateSshKeyPair();
const host = generateSshKeyPair();
const gateway = new SerialGateway({ fleet, hostKey: host.private, authorizedKeys: () => [user.public] });
const { port } = await gateway.listen();
const id = fleet.order.find((i) => fleet.machines.get(i)!.state === 'active')!;
const client = new ssh2.Client();
client.on('ready', () => {
  client.shell({ term: 'xterm', cols: 157, rows: 49 }, (err, stream) => {
    if (err) throw err;
    let text = '';
    let phase = 0;
    let t0 = 0, bytes = 0;
    stream.on('data', (d: Buffer) => {
      if (phase === 3) { bytes += d.length; if (d.toString('latin1').includes('flood: ')) { const s = (performance.now() - t0) / 1000; console.log('MB/s', (bytes / 1e6 / s).toFixed(1)); process.exit(0); } return; }
      text += d.toString();
      if (phase === 0 && /login: $/.test(text)) { phase = 1; stream.write('core\r'); }
      else if (phase === 1 && /Password: $/.test(text)) { phase = 2; stream.write('secret\r'); }
      else if (phase === 2 && /\$ $/.test(text)) { phase = 3; t0 = performance.now(); stream.write('flood 32\r'); }
    });
    stream.write('\r');
  });
});
client.connect({ sock: net.connect({ host: '127.0.0.1', port, noDelay: true }), username: id, privateKey: user.private, hostVerifier: () => true });
