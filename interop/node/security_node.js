'use strict';
// CURVE between zmtp and Node.js `zeromq` 6 (v6 API), both directions, tcp and ipc: a zmtp
// client against a Node CURVE server (ROUTER, and REQ against a REP), a Node DEALER against
// a zmtp CURVE ROUTER whose zmtp::authenticator admits the Node client's key, messages both
// ways with exact contents; a client key the authenticator does not know, and a wrong server
// key, both ways: refused, nothing delivered, the failure seen by both monitors. Keys come
// from zmq.curveKeyPair(). The zmtp side is zmtp_security_peer (interop/security_peer.cpp,
// usage at its top), one process per socket, which reports one line at a time. Every wait
// is bounded.
//
//   node security_node.js PATH/TO/zmtp_security_peer CASE
// The cases are listed in CASES at the bottom; ctest runs each as "node_security CASE".

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const zmq = require('zeromq');

const [PEER, CASE] = process.argv.slice(2);
const TIMEOUT_MS = 5000;
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'zmtp-node-sec-'));

// What the cases send: multipart with an empty frame and every byte value, then one frame of
// 50,000 bytes (a long frame inside a CURVE MESSAGE box; its hex still fits one argument).
const REQUESTS = [
  [Buffer.from('hello'), Buffer.alloc(0), Buffer.from([...Array(256).keys()])],
  [Buffer.from(Array.from({ length: 50000 }, (_, i) => (i * 7) % 251))],
];
const REPLIES = [
  [Buffer.from('reply-1'), Buffer.from([...Array(256).keys()].reverse()), Buffer.alloc(0)],
  [Buffer.from('reply-2'), Buffer.alloc(40000, 'z')],
];

/** Frames as zmtp_security_peer writes them: "x" + hex each, space-separated. */
const hx = (frames) => frames.map((f) => 'x' + Buffer.from(f).toString('hex')).join(' ');

/** `text` cut to `limit` characters for the log, saying how long it was. */
const short = (text, limit = 300) =>
  (text.length <= limit ? text : `${text.slice(0, limit)}... (${text.length} characters)`);

function check(what, got, expected) {
  const g = JSON.stringify(got);
  const e = JSON.stringify(expected);
  if (g !== e) throw new Error(`${what}: got ${short(g, 5000)}, expected ${short(e, 5000)}`);
  console.log(`ok  ${what}: ${short(g)}`);
}

let ipcCount = 0;
const endpoint = (transport) => (transport === 'tcp' ? 'tcp://127.0.0.1:*' : `ipc://${WORK}/s${++ipcCount}.ipc`);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until pred() holds; false after timeoutMs. */
async function waitUntil(pred, timeoutMs = TIMEOUT_MS) {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) return false;
    await sleep(10);
  }
  return true;
}

const HANDSHAKE_EVENTS = ['handshake', 'handshake:error:protocol', 'handshake:error:auth', 'handshake:error:other'];

/**
 * Records a Node socket's monitor events: `handshakes` gets each handshake outcome as
 * "handshake" or "handshake:error:... <status or code>", `connects` counts "connect".
 */
function recordEvents(socket) {
  const record = { handshakes: [], connects: 0 };
  for (const type of HANDSHAKE_EVENTS) {
    socket.events.on(type, (e) => {
      const detail = e.error ? ` ${e.error.status ?? e.error.code}` : '';
      record.handshakes.push(e.type + detail);
    });
  }
  socket.events.on('connect', () => { record.connects += 1; });
  return record;
}

/** Runs a zmtp client to completion: {outcome, replies: [...], handshakes}. */
function runClient(ep, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(PEER, ['client', ep, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => { out += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = out.split('\n').filter((l) => l !== '');
      console.log('zmtp client:', lines.map((l) => short(l)).join(' | '));
      if (code !== 0) return reject(new Error(`zmtp client exited ${code}`));
      const result = { replies: [] };
      for (const line of lines) {
        const [kind, rest] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
        if (kind === 'reply') result.replies.push(rest);
        else result[kind] = rest;
      }
      return resolve(result);
    });
  });
}

/** A zmtp server process; its lines are queued as they come. */
class ServerPeer {
  constructor(ep, args) {
    this.child = spawn(PEER, ['server', ep, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
    this.lines = [];
    this.ended = false;
    const input = readline.createInterface({ input: this.child.stdout });
    input.on('line', (line) => this.lines.push(line));
    input.on('close', () => { this.ended = true; });
  }

  async nextLine() {
    if (!(await waitUntil(() => this.lines.length > 0 || this.ended))) throw new Error('zmtp server: no line');
    if (this.lines.length === 0) throw new Error('zmtp server exited');
    return this.lines.shift();
  }

  /** Reads the "endpoint" line; returns the endpoint it bound. */
  async endpoint() {
    const first = await this.nextLine();
    if (!first.startsWith('endpoint ')) throw new Error(`zmtp server: ${first}`);
    return first.slice('endpoint '.length);
  }

  /** Stops the server; returns its lines since, up to "done", by their first word. */
  async finish() {
    this.child.stdin.end('quit\n');
    const kinds = { event: [], received: [] };
    const shown = [];
    for (;;) {
      const line = await this.nextLine();
      if (line === 'done') break;
      shown.push(short(line));
      const kind = line.slice(0, line.indexOf(' '));
      (kinds[kind] = kinds[kind] || []).push(line.slice(kind.length + 1));
    }
    console.log('zmtp server:', shown.join(' | '));
    check('zmtp server exit status', await this.exited, 0);
    return kinds;
  }
}

/** The next message `sock` receives within its receiveTimeout, as hex; "nothing" if none. */
async function nextMessage(sock) {
  try {
    return hx(await sock.receive());
  } catch (e) {
    if (e.code !== 'EAGAIN') throw e;
    return 'nothing';
  }
}

/** A frame list of a "received" line without the ROUTER's routing id, as hex. */
const withoutRoutingId = (line) => line.split(' ').slice(1).join(' ');

// --- zmtp clients -> Node servers --------------------------------------------------------

/**
 * A zmtp CURVE client (DEALER, or REQ with `type` "req") sends REQUESTS to a Node CURVE
 * server (ROUTER, or REP) and gets REPLIES back, exactly; both monitors see one handshake.
 */
async function curveToNode(transport, type) {
  const server = zmq.curveKeyPair();
  const client = zmq.curveKeyPair();
  const Type = type === 'req' ? zmq.Reply : zmq.Router;
  const sock = new Type({ linger: 0, receiveTimeout: TIMEOUT_MS, curveServer: true, curveSecretKey: server.secretKey });
  const events = recordEvents(sock);
  await sock.bind(endpoint(transport));
  const received = [];
  const serving = (async () => {
    for (const reply of REPLIES) {
      const frames = await sock.receive();
      const envelope = type === 'req' ? [] : frames.splice(0, 1);
      received.push(hx(frames));
      await sock.send([...envelope, ...reply]);
    }
  })();
  const sends = REQUESTS.flatMap((r) => ['--send', hx(r)]);
  const result = await runClient(sock.lastEndpoint,
    ['--curve', server.publicKey, client.secretKey, ...sends, ...(type === 'req' ? ['--req'] : [])]);
  await serving;
  check('zmtp outcome', result.outcome, 'HANDSHAKE_SUCCEEDED');
  check('zmtp got the replies', result.replies, REPLIES.map(hx));
  check('zmtp handshakes (succeeded failed)', result.handshakes, '1 0');
  check('node got', received, REQUESTS.map(hx));
  check('node handshake events', events.handshakes, ['handshake']);
  sock.close();
}

/**
 * A zmtp client with the wrong server key (the client's own public key): its HELLO does not
 * open at the Node server, which reports a cryptographic protocol error and closes without a
 * word; zmtp sees the end of file as HANDSHAKE_FAILED_NO_DETAIL and retries, failing each
 * time; Node receives nothing.
 */
async function wrongServerKeyToNode(transport) {
  const server = zmq.curveKeyPair();
  const client = zmq.curveKeyPair();
  const router = new zmq.Router({
    linger: 0, receiveTimeout: 300, curveServer: true, curveSecretKey: server.secretKey,
  });
  const events = recordEvents(router);
  await router.bind(endpoint(transport));
  const result = await runClient(router.lastEndpoint,
    ['--curve', client.publicKey, client.secretKey, '--send', hx([Buffer.from('must not arrive')])]);
  check('zmtp outcome', result.outcome, 'HANDSHAKE_FAILED_NO_DETAIL end_of_file');
  check('zmtp reply', result.replies, ['none']);
  const [succeeded, failed] = result.handshakes.split(' ').map(Number);
  check('zmtp handshakes: none succeeded, at least one failed', [succeeded, failed >= 1], [0, true]);
  check('node handshake events: the first',
    events.handshakes[0], 'handshake:error:protocol ERR_ZMTP_CRYPTOGRAPHIC');
  check('node handshake events: all failed alike',
    events.handshakes.every((e) => e === 'handshake:error:protocol ERR_ZMTP_CRYPTOGRAPHIC'), true);
  check('node received', await nextMessage(router), 'nothing');
  router.close();
}

// --- Node clients -> zmtp servers --------------------------------------------------------

/** A Node CURVE DEALER of a zmtp server; returns [dealer, its events]. */
function curveDealer(serverPublic, client, receiveTimeout = TIMEOUT_MS) {
  const dealer = new zmq.Dealer({
    linger: 0, receiveTimeout, sendTimeout: TIMEOUT_MS,
    curveServerKey: serverPublic, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey,
  });
  return [dealer, recordEvents(dealer)];
}

/** A zmtp CURVE ROUTER with the server's secret key whose zmtp::authenticator admits `allowed`. */
async function zmtpServer(transport, server, allowed) {
  const peer = new ServerPeer(endpoint(transport), ['--curve', server.secretKey, '--allow-curve', allowed.publicKey]);
  return [peer, await peer.endpoint()];
}

/** A Node DEALER sends REQUESTS to zmtp's CURVE ROUTER and gets each echoed, exactly. */
async function curveFromNode(transport) {
  const server = zmq.curveKeyPair();
  const client = zmq.curveKeyPair();
  const [peer, ep] = await zmtpServer(transport, server, client);
  const [dealer, events] = curveDealer(server.publicKey, client);
  dealer.connect(ep);
  for (const request of REQUESTS) {
    await dealer.send(request);
    check('node got', hx(await dealer.receive()), hx([Buffer.from('echo'), ...request]));
  }
  check('node handshake events', events.handshakes, ['handshake']);
  dealer.close();
  const lines = await peer.finish();
  check('zmtp server events', lines.event, ['HANDSHAKE_SUCCEEDED']);
  check('zmtp received', lines.received.map(withoutRoutingId), REQUESTS.map(hx));
}

/**
 * A Node client with a key the zmtp authenticator does not know: refused with ERROR "400",
 * which libzmq reports as an auth failure 400, once (it does not come back).
 */
async function unknownKeyFromNode(transport) {
  const server = zmq.curveKeyPair();
  const [peer, ep] = await zmtpServer(transport, server, zmq.curveKeyPair());
  const [dealer, events] = curveDealer(server.publicKey, zmq.curveKeyPair(), 300);
  dealer.connect(ep);
  await dealer.send('must not arrive');
  check('node handshake events', await waitUntil(() => events.handshakes.length > 0), true);
  check('zmtp server event', await peer.nextLine(), 'event HANDSHAKE_FAILED_AUTH authentication_denied');
  await sleep(500);
  check('node handshake events', events.handshakes, ['handshake:error:auth 400']);
  check('node connects', events.connects, 1);
  dealer.close();
  const lines = await peer.finish();
  check('zmtp server events after', lines.event, []);
  check('zmtp received', lines.received, []);
}

/**
 * A Node client with the wrong server key: its HELLO does not open at zmtp's server
 * (decryption_failed), which closes the connection without a word; libzmq reports that end
 * of file as an unspecified handshake failure (EPIPE) and retries, failing each time;
 * nothing is delivered either way.
 */
async function wrongServerKeyFromNode(transport) {
  const server = zmq.curveKeyPair();
  const client = zmq.curveKeyPair();
  const [peer, ep] = await zmtpServer(transport, server, client);
  const [dealer, events] = curveDealer(client.publicKey, client, 300);
  dealer.connect(ep);
  await dealer.send('must not arrive');
  check('zmtp server event', await peer.nextLine(), 'event HANDSHAKE_FAILED_PROTOCOL decryption_failed');
  await sleep(500);
  check('node handshake events: the first', events.handshakes[0], 'handshake:error:other EPIPE');
  check('node handshake events: all failed alike',
    events.handshakes.every((e) => e === 'handshake:error:other EPIPE'), true);
  check('node received', await nextMessage(dealer), 'nothing');
  dealer.close();
  const lines = await peer.finish();
  check('zmtp server events after: all failed alike',
    lines.event.every((e) => e === 'HANDSHAKE_FAILED_PROTOCOL decryption_failed'), true);
  check('zmtp received', lines.received, []);
}

const CASES = {};
for (const transport of ['tcp', 'ipc']) {
  CASES[`curve-to-node-${transport}`] = () => curveToNode(transport, 'dealer');
  CASES[`curve-req-to-node-${transport}`] = () => curveToNode(transport, 'req');
  CASES[`curve-wrong-server-key-to-node-${transport}`] = () => wrongServerKeyToNode(transport);
  CASES[`curve-from-node-${transport}`] = () => curveFromNode(transport);
  CASES[`curve-unknown-key-from-node-${transport}`] = () => unknownKeyFromNode(transport);
  CASES[`curve-wrong-server-key-from-node-${transport}`] = () => wrongServerKeyFromNode(transport);
}

if (process.argv.length !== 4 || !(CASE in CASES)) {
  console.error(`usage: node security_node.js PEER CASE, CASE one of ${Object.keys(CASES).join(', ')}`);
  process.exit(2);
}
CASES[CASE]()
  .then(() => { console.log('PASS', CASE); return 0; }, (e) => { console.error('FAIL', CASE, e.stack || e); return 1; })
  .then((status) => {
    fs.rmSync(WORK, { recursive: true, force: true });
    process.exit(status);
  });
