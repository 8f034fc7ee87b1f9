// The addon's argument checks and errno reporting. Nothing here changes the host: the device
// named does not exist and the fd is not open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { loadNative, socketFd } from '../../src/net/native.js';

const load = loadNative();
const skip = load.ok ? false : `native addon unavailable: ${load.ok ? '' : load.reason}`;
const mac = Uint8Array.from([0x02, 0xac, 0x78, 0, 0, 1]);

test('bad arguments are JS type/range errors, not crashes', { skip }, () => {
  assert.ok(load.ok);
  const { bindToDevice, setArpEntry } = load.addon;
  assert.throws(() => bindToDevice(-1, 'lo'), TypeError);
  assert.throws(() => bindToDevice(0, 'a-name-far-too-long'), RangeError);
  assert.throws(() => bindToDevice(0, ''), RangeError);
  assert.throws(() => setArpEntry('lo', '10.78.0', mac), TypeError);
  assert.throws(() => setArpEntry('lo', '10.78.0.5', [1, 2, 3] as unknown as Uint8Array), TypeError);
  assert.throws(() => setArpEntry('lo', '10.78.0.5', new Uint8Array(0)), RangeError);
});

test('system call failures carry the errno name and text', { skip }, () => {
  assert.ok(load.ok);
  assert.throws(() => load.addon.bindToDevice(987654, 'lo'), (e: NodeJS.ErrnoException) => {
    assert.equal(e.code, 'EBADF');
    assert.match(e.message, /SO_BINDTODEVICE lo: Bad file descriptor/);
    return true;
  });
  assert.throws(() => load.addon.setArpEntry('hy-none0', '10.78.0.5', mac), (e: NodeJS.ErrnoException) => {
    // ENODEV as root; EPERM without CAP_NET_ADMIN.
    assert.ok(e.code === 'ENODEV' || e.code === 'EPERM', String(e.code));
    assert.match(e.message, /^SIOCSARP 10\.78\.0\.5 on hy-none0: /);
    return true;
  });
});

test('socketFd finds the descriptor of a bound dgram socket, and refuses an unbound one', async () => {
  const s = dgram.createSocket('udp4');
  assert.throws(() => socketFd(s), /file descriptor/);
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  try {
    const fd = socketFd(s);
    assert.ok(Number.isInteger(fd) && fd > 2);
  } finally {
    s.close();
  }
});
