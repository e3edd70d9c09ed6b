'use strict';
// Node.js `zeromq` 6's side of the interop matrix (interop/matrix/): makes and drives sockets
// of the v6 API as told, one command per line on stdin, one reply per command on stdout
// (commands run one after another, in order). The protocol is described at the top of
// interop/matrix/matrix_support.hpp.
//
//   node matrix_peer.js

const readline = require('readline');
const zmq = require('zeromq');

const TYPES = {
  PUB: zmq.Publisher, SUB: zmq.Subscriber, XPUB: zmq.XPublisher, XSUB: zmq.XSubscriber,
  PUSH: zmq.Push, PULL: zmq.Pull, PAIR: zmq.Pair,
};

const sockets = new Map();
let nextId = 1;

const out = (line) => process.stdout.write(line + '\n'); // synchronous for pipes on Linux

function decode(token) {
  if (!token.startsWith('x')) throw new Error(`bad frame token ${token.slice(0, 40)}`);
  return Buffer.from(token.slice(1), 'hex');
}
const encode = (frame) => 'x' + Buffer.from(frame).toString('hex');

function socketOf(id) {
  const s = sockets.get(id);
  if (!s) throw new Error(`no socket ${id}`);
  return s;
}

async function handle(words) {
  const [cmd, id] = words;
  switch (cmd) {
    case 'new': {
      const Type = TYPES[id];
      if (!Type) throw new Error(`unknown type ${id}`);
      const s = new Type({ linger: 0 });
      if ('sendTimeout' in s) s.sendTimeout = 5000; // the types that send (SUB does not)
      sockets.set(String(nextId), s);
      out(`ok ${nextId++}`);
      return;
    }
    case 'opt': {
      const s = socketOf(id);
      const value = Number(words[3]);
      // A type that only receives has no sendHighWaterMark, one that only sends no
      // receiveHighWaterMark: the option is then left out.
      if (words[2] === 'sndhwm') { if ('sendHighWaterMark' in s) s.sendHighWaterMark = value; }
      else if (words[2] === 'rcvhwm') { if ('receiveHighWaterMark' in s) s.receiveHighWaterMark = value; }
      else if (words[2] === 'xpub_verbose') s.verbosity = value ? 'allSubs' : null;
      else throw new Error(`unknown option ${words[2]}`);
      out('ok');
      return;
    }
    case 'bind': {
      const s = socketOf(id);
      await s.bind(words[2]);
      out(`ok ${s.lastEndpoint}`);
      return;
    }
    case 'connect':
      socketOf(id).connect(words[2]);
      out('ok');
      return;
    case 'send':
      await socketOf(id).send(words.slice(2).map(decode));
      out('ok');
      return;
    case 'recv': {
      const s = socketOf(id);
      const count = Number(words[2]);
      s.receiveTimeout = Number(words[3]);
      const lines = [];
      for (let i = 0; i < count; ++i) {
        let message;
        try {
          message = await s.receive();
        } catch (e) {
          if (e.code === 'EAGAIN') break;
          throw e;
        }
        lines.push('m ' + message.map(encode).join(' '));
      }
      lines.push('end');
      out(lines.join('\n'));
      return;
    }
    case 'sub':
      socketOf(id).subscribe(decode(words[2]));
      out('ok');
      return;
    case 'unsub':
      socketOf(id).unsubscribe(decode(words[2]));
      out('ok');
      return;
    case 'close':
      socketOf(id).close();
      sockets.delete(id);
      out('ok');
      return;
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}

function finish() {
  for (const s of sockets.values()) s.close();
  process.exit(0);
}

out(`ready ${zmq.version}`);
const input = readline.createInterface({ input: process.stdin, terminal: false });
let chain = Promise.resolve();
input.on('line', (line) => {
  const words = line.split(' ');
  chain = chain.then(() => (words[0] === 'quit' ? finish() : handle(words)))
    .catch((e) => out(`err ${e.code || e.name}: ${String(e.message).replace(/\n/g, ' ')}`));
});
input.on('close', () => { chain.then(finish); });
