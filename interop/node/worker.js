'use strict';
// One REP worker of the file service, the Node.js counterpart of filer-worker.
//
//   node worker.js --connect EP [--verbose]
//
// Request:  {"path": "..."}
// Reply:    {"content": "<file text>", "timestamp": <ms since epoch>, "pid": <pid>}
//       or  {"error": "<reason>", "pid": <pid>}  for a missing/unreadable file, a request
//           that is not JSON, or a missing or non-string "path".
//
// master.js forks this file with Node's cluster module; it also runs on its own.

const fs = require('fs');
const zmq = require('zeromq/v5-compat');
const { parseArgs } = require('./args');

const USAGE = 'node worker.js --connect EP [--verbose]';
const { options, positionals, fail } = parseArgs(process.argv.slice(2),
  { connect: '', verbose: false }, USAGE);
if (!options.connect) fail('--connect EP is required');
if (positionals.length > 0) fail(`unexpected argument ${positionals[0]}`);

const log = options.verbose ? (...args) => console.log(...args) : () => {};

const responder = zmq.socket('rep');
responder.setsockopt('linger', 0);
responder.connect(options.connect);

function reply(body) {
  responder.send(JSON.stringify(body));
}

function fail_request(reason) {
  log(`${process.pid} sending error: ${reason}`);
  reply({ error: reason, pid: process.pid });
}

responder.on('message', (data) => {
  let request;
  try {
    request = JSON.parse(data.toString('utf8'));
  } catch (err) {
    fail_request(`request is not JSON: ${err.message}`);
    return;
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request) ||
      typeof request.path !== 'string') {
    fail_request('request needs a string "path"');
    return;
  }
  log(`${process.pid} received request for: ${request.path}`);
  fs.readFile(request.path, 'utf8', (err, content) => {
    if (err) {
      fail_request(err.message);
      return;
    }
    log(`${process.pid} sending response`);
    reply({ content, timestamp: Date.now(), pid: process.pid });
  });
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  responder.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Forked (by cluster or child_process.fork): go when the parent goes.
if (process.send) process.on('disconnect', stop);

log(`Worker ${process.pid} connected to ${options.connect}`);
