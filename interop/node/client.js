'use strict';
// REQ clients of the file service, the Node.js counterpart of filer-req.
//
//   node client.js [--connect EP] [--count N] [--clients C] [--timeout-ms T] PATH
//
// C REQ sockets send N requests {"path": PATH} in total (each socket one at a time, as REQ
// must) and check every reply: the "content" must equal PATH's text as read here, "pid"
// must be a positive integer and "timestamp" a number. Prints a summary ending with
//   SUMMARY {"replies":R,"errors":E,"per_pid":{"<pid>":n,...},"rate":X}
// where R counts replies received, E the replies that were error replies or wrong, and X
// replies per second. Exits 1 if any reply is missing after T ms or any reply is wrong.

const fs = require('fs');
const zmq = require('zeromq/v5-compat');
const { parseArgs, intOption } = require('./args');

const USAGE = 'node client.js [--connect EP] [--count N] [--clients C] [--timeout-ms T] PATH';
const { options, positionals, fail } = parseArgs(process.argv.slice(2), {
  connect: 'tcp://127.0.0.1:60401',
  count: '100',
  clients: '4',
  timeoutMs: '10000',
}, USAGE);
if (positionals.length !== 1) fail('exactly one PATH is required');
const filePath = positionals[0];
const count = intOption(options.count, 'count', fail);
const numClients = intOption(options.clients, 'clients', fail, 1);
const timeoutMs = intOption(options.timeoutMs, 'timeout-ms', fail, 1);

let expected;
try {
  expected = fs.readFileSync(filePath, 'utf8');
} catch (err) {
  console.error(`client: cannot read ${filePath} to know the expected content: ${err.message}`);
  process.exit(2);
}

const request = JSON.stringify({ path: filePath });
const perPid = {};
const problems = new Map(); // reason -> how many times
let replies = 0;
let errors = 0;
const sockets = [];
const start = process.hrtime.bigint();

function problem(reason) {
  errors++;
  problems.set(reason, (problems.get(reason) || 0) + 1);
}

function check(frames) {
  replies++;
  if (frames.length !== 1) {
    problem(`reply has ${frames.length} frames, expected 1`);
    return;
  }
  let reply;
  try {
    reply = JSON.parse(frames[0].toString('utf8'));
  } catch (err) {
    problem(`reply is not JSON: ${err.message}`);
    return;
  }
  if (reply === null || typeof reply !== 'object') {
    problem('reply is not a JSON object');
    return;
  }
  if (Number.isInteger(reply.pid) && reply.pid > 0) {
    perPid[reply.pid] = (perPid[reply.pid] || 0) + 1;
  } else {
    problem(`reply has no positive integer pid: ${JSON.stringify(reply.pid)}`);
    return;
  }
  if ('error' in reply) {
    problem(`error reply: ${JSON.stringify(reply.error)}`);
  } else if (reply.content !== expected) {
    problem(`wrong content: ${JSON.stringify(reply.content).slice(0, 200)}`);
  } else if (typeof reply.timestamp !== 'number' || !Number.isFinite(reply.timestamp)) {
    problem(`reply has no numeric timestamp: ${JSON.stringify(reply.timestamp)}`);
  }
}

function finish(timedOut) {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = seconds > 0 ? Math.round((replies / seconds) * 10) / 10 : 0;
  for (const socket of sockets) if (!socket.closed) socket.close();
  console.log(`${replies} of ${count} replies from ${Object.keys(perPid).length} worker(s) ` +
              `in ${seconds.toFixed(3)} s with ${numClients} client(s), ${errors} error(s)`);
  for (const [pid, n] of Object.entries(perPid)) console.log(`  pid ${pid}: ${n}`);
  for (const [reason, n] of problems) console.error(`client: ${n} x ${reason}`);
  if (timedOut) console.error(`client: ${count - replies} reply(ies) missing after ${timeoutMs} ms`);
  console.log('SUMMARY ' + JSON.stringify({ replies, errors, per_pid: perPid, rate }));
  process.exit(!timedOut && replies === count && errors === 0 ? 0 : 1);
}

const timer = setTimeout(() => finish(true), timeoutMs);

if (count === 0) {
  clearTimeout(timer);
  finish(false);
}

for (let i = 0; i < numClients; i++) {
  // Client i sends its share of the requests, one after the other.
  let quota = Math.floor(count / numClients) + (i < count % numClients ? 1 : 0);
  if (quota === 0) continue;
  const requester = zmq.socket('req');
  requester.setsockopt('linger', 0);
  sockets.push(requester);
  requester.on('message', (...frames) => {
    check(frames);
    if (replies === count) {
      clearTimeout(timer);
      finish(false);
    } else if (--quota > 0) {
      requester.send(request);
    }
  });
  requester.connect(options.connect);
  requester.send(request);
}
