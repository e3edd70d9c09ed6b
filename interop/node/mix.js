'use strict';
// End-to-end interop mixes of the clustered file service: the zmtp C++ programs
// (filer-cluster, filer-worker, filer-req) and the Node.js `zeromq` ones (master.js,
// worker.js, client.js) in four combinations.
//
//   node mix.js <1|2|3|4> --bin DIR [--count N] [--clients C]
//
//   1. client.js (Node REQ)   -> filer-cluster --workers 2 (zmtp ROUTER/DEALER + filer-workers)
//   2. filer-req (zmtp REQ)   -> master.js --workers 2     (Node ROUTER/DEALER + Node REP)
//   3. client.js (Node REQ)   -> master.js --workers 0     + 2 x filer-worker (zmtp REP)
//   4. client.js (Node REQ)   -> filer-cluster --workers 0 + 2 x worker.js   (Node REP)
//
// Each mix uses a free tcp port, an ipc path in a fresh directory under /tmp and a file with
// non-ASCII UTF-8, quotes and backslashes. It waits until every worker has answered a
// request (so the load meets all of them), checks the error replies (missing file, non-JSON,
// non-string path), sends N requests from C clients and checks the SUMMARY: every reply
// present and right, per_pid exactly the worker pids, each > 0. Then it stops the server
// with SIGTERM and checks it exits 0 within 2 s, removes its ipc file and takes its
// workers with it, and that no process printed a sanitizer report (for an ASan/UBSan build
// of the C++ programs). Every process it starts is killed on the way out, whatever happens.
// Prints one result line; exits 0 only on success.

const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const zmq = require('zeromq/v5-compat');
const { parseArgs, intOption } = require('./args');

const USAGE = 'node mix.js <1|2|3|4> --bin DIR [--count N] [--clients C]';
const { options, positionals, fail } = parseArgs(process.argv.slice(2),
  { bin: '', count: '200', clients: '4' }, USAGE);
if (positionals.length !== 1 || !/^[1-4]$/.test(positionals[0])) fail('which mix: 1, 2, 3 or 4');
if (!options.bin) fail('--bin DIR (the directory with filer-cluster, filer-worker, filer-req) is required');
const mixNumber = Number(positionals[0]);
const COUNT = intOption(options.count, 'count', fail, 1);
const CLIENTS = intOption(options.clients, 'clients', fail, 1);
const WORKERS = 2;
const binDir = path.resolve(options.bin);

const MIXES = {
  1: { title: 'client.js -> filer-cluster --workers 2', server: 'cpp', serverWorkers: WORKERS,
       workers: null, client: 'node' },
  2: { title: 'filer-req -> master.js --workers 2', server: 'node', serverWorkers: WORKERS,
       workers: null, client: 'cpp' },
  3: { title: 'client.js -> master.js --workers 0 + 2 x filer-worker', server: 'node',
       serverWorkers: 0, workers: 'cpp', client: 'node' },
  4: { title: 'client.js -> filer-cluster --workers 0 + 2 x worker.js', server: 'cpp',
       serverWorkers: 0, workers: 'node', client: 'node' },
};
const mix = MIXES[mixNumber];

const DEADLINE_MS = 28000;        // the whole mix, everything included
const START_TIMEOUT_MS = 8000;    // server prints "Listening on ..." and its workers come online
const WARMUP_TIMEOUT_MS = 6000;   // every worker has answered one request
const REQUEST_TIMEOUT_MS = 3000;  // one probe request
const LOAD_TIMEOUT_MS = 10000;    // the client's own --timeout-ms
const STOP_LIMIT_MS = 2000;       // server exit after SIGTERM (contract: within a second)
const SANITIZER_REPORT = /ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|WARNING: ThreadSanitizer/;

// Non-ASCII UTF-8 (2, 3 and 4 byte sequences), both quote kinds, a backslash, a tab, a
// JSON-looking fragment and several lines.
const FILE_TEXT =
  'He said "ØMQ is \'zero\' MQ" — naïve café, Ελληνικά, 日本語, emoji 🚀🐘\n' +
  'backslash \\ and a fake escape \\n, tab\there, {"path": "not/a/request"}\n' +
  'line three: ½ ≠ ∞ ✓\n';

const started = Date.now();
const elapsed = () => ((Date.now() - started) / 1000).toFixed(2);
const say = (line) => console.log(`mix ${mixNumber}: ${line}`);

class MixFailure extends Error {}
const failure = (message) => new MixFailure(message);

// --- child processes --------------------------------------------------------------
// Every child is the leader of its own process group, so killing the group also kills the
// workers a cluster forked.
const children = [];

class Child {
  constructor(name, command, args) {
    this.name = name;
    this.command = command;
    this.args = args;
    this.lines = [];            // [stream, text]
    this.waiters = [];          // {test, resolve}
    this.exit = null;           // {code, signal, at}
    this.proc = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.proc.pid;
    children.push(this);
    for (const stream of ['stdout', 'stderr']) {
      let partial = '';
      this.proc[stream].setEncoding('utf8');
      this.proc[stream].on('data', (chunk) => {
        partial += chunk;
        let nl;
        while ((nl = partial.indexOf('\n')) >= 0) {
          this.addLine(stream, partial.slice(0, nl));
          partial = partial.slice(nl + 1);
        }
      });
      this.proc[stream].on('end', () => { if (partial) this.addLine(stream, partial); });
    }
    this.exited = new Promise((resolve) => {
      this.proc.on('error', (err) => {
        this.addLine('stderr', `[spawn error: ${err.message}]`);
        this.exit = this.exit || { code: null, signal: null, error: err, at: Date.now() };
        resolve(this.exit);
      });
      this.proc.on('exit', (code, signal) => {
        this.exit = this.exit || { code, signal, at: Date.now() };
        resolve(this.exit);
      });
    });
    // The output streams may close after 'exit'; 'close' means all output is in.
    this.closed = new Promise((resolve) => this.proc.on('close', resolve));
  }

  addLine(stream, text) {
    this.lines.push([stream, text]);
    this.waiters = this.waiters.filter((w) => !w.test(text, stream));
  }

  // Resolves with the first line (already seen or coming) for which test() is true.
  waitLine(test, timeoutMs, what) {
    for (const [stream, text] of this.lines) if (test(text, stream)) return Promise.resolve(text);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(failure(`${this.name} did not print ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({
        test: (text, stream) => {
          if (!test(text, stream)) return false;
          clearTimeout(timer);
          resolve(text);
          return true;
        },
      });
      this.exited.then((exit) => {
        clearTimeout(timer);
        reject(failure(`${this.name} exited (${describeExit(exit)}) before printing ${what}`));
      });
    });
  }

  running() { return this.exit === null; }

  signal(sig) {
    try { process.kill(this.pid, sig); } catch (_) { /* gone already */ }
  }

  killGroup() {
    try { process.kill(-this.pid, 'SIGKILL'); } catch (_) { /* gone already */ }
  }

  dump(limit = 40) {
    const tail = this.lines.slice(-limit);
    const lines = [`--- ${this.name} (pid ${this.pid}): ${this.command} ${this.args.join(' ')}`,
                   this.exit ? `--- exit: ${describeExit(this.exit)}` : '--- still running'];
    if (this.lines.length > limit) lines.push(`--- (${this.lines.length - limit} earlier lines left out)`);
    for (const [stream, text] of tail) lines.push(`${stream === 'stderr' ? 'ERR ' : 'OUT '}${text}`);
    return lines.join('\n');
  }
}

function describeExit(exit) {
  if (exit.error) return `spawn failed: ${exit.error.message}`;
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function killEverything() {
  for (const child of children) child.killGroup();
}

// A process that is gone or a zombie (the reaper of an orphan may be slow or absent).
function processGone(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch (_) {
    return true;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --- environment --------------------------------------------------------------------
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function binary(name) {
  const file = path.join(binDir, name);
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch (_) {
    throw failure(`${file} is missing or not executable (build the C++ programs first)`);
  }
  return file;
}

function nodeScript(name) {
  return path.join(__dirname, name);
}

// --- talking to the service from here ----------------------------------------------
function makeRequester(endpoint) {
  const socket = zmq.socket('req');
  socket.setsockopt('linger', 0);
  socket.connect(endpoint);
  let pending = null;
  socket.on('message', (...frames) => {
    if (!pending) return;
    const { resolve, timer } = pending;
    pending = null;
    clearTimeout(timer);
    resolve(frames);
  });
  return {
    request(body, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending = null;
          reject(failure(`no reply to ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending = { resolve, timer };
        socket.send(body);
      });
    },
    close() { if (!socket.closed) socket.close(); },
  };
}

function parseReply(frames, what) {
  if (frames.length !== 1) throw failure(`reply to ${what} has ${frames.length} frames, expected 1`);
  const text = frames[0].toString('utf8');
  let reply;
  try {
    reply = JSON.parse(text);
  } catch (err) {
    throw failure(`reply to ${what} is not JSON (${err.message}): ${text.slice(0, 200)}`);
  }
  if (reply === null || typeof reply !== 'object' || Array.isArray(reply)) {
    throw failure(`reply to ${what} is not a JSON object: ${text.slice(0, 200)}`);
  }
  return reply;
}

function checkPid(reply, workerPids, what) {
  if (!Number.isInteger(reply.pid) || reply.pid <= 0) {
    throw failure(`reply to ${what} has no positive integer pid: ${JSON.stringify(reply)}`);
  }
  if (!workerPids.includes(reply.pid)) {
    throw failure(`reply to ${what} came from pid ${reply.pid}, not one of the workers ` +
                  `${workerPids.join(', ')}`);
  }
}

// Sends good requests until every worker has answered one, checking each reply.
async function warmUp(requester, filePath, workerPids) {
  const seen = new Set();
  const deadline = Date.now() + WARMUP_TIMEOUT_MS;
  let sent = 0;
  while (seen.size < workerPids.length) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw failure(`after ${sent} requests only workers [${[...seen].join(', ')}] of ` +
                    `[${workerPids.join(', ')}] had answered`);
    }
    const what = `warm-up request ${sent + 1}`;
    const reply = parseReply(await requester.request(JSON.stringify({ path: filePath }),
                                                     Math.min(left, REQUEST_TIMEOUT_MS), what), what);
    sent++;
    checkPid(reply, workerPids, what);
    if ('error' in reply) throw failure(`${what} got an error reply: ${JSON.stringify(reply)}`);
    if (reply.content !== FILE_TEXT) {
      throw failure(`${what}: wrong content ${JSON.stringify(reply.content)}, expected ` +
                    `${JSON.stringify(FILE_TEXT)}`);
    }
    if (typeof reply.timestamp !== 'number' || Math.abs(reply.timestamp - Date.now()) > 60000) {
      throw failure(`${what}: timestamp ${JSON.stringify(reply.timestamp)} is not ms since the epoch`);
    }
    seen.add(reply.pid);
    if (seen.size < workerPids.length) await sleep(20);
  }
  return sent;
}

// The error replies of the contract: {"error": "<reason>", "pid": <pid>}.
async function probeErrors(requester, dir, workerPids) {
  const probes = [
    ['missing file', JSON.stringify({ path: path.join(dir, 'no-such-file.txt') })],
    ['non-JSON request', 'this is not JSON {'],
    ['missing path', JSON.stringify({ file: 'x' })],
    ['non-string path', JSON.stringify({ path: 42 })],
  ];
  for (const [what, body] of probes) {
    const reply = parseReply(await requester.request(body, REQUEST_TIMEOUT_MS, what), what);
    checkPid(reply, workerPids, what);
    if (typeof reply.error !== 'string' || reply.error.length === 0) {
      throw failure(`${what}: expected {"error": "<reason>", "pid": ...}, got ${JSON.stringify(reply)}`);
    }
    if ('content' in reply) throw failure(`${what}: error reply also has content: ${JSON.stringify(reply)}`);
  }
  return probes.length;
}

function parseSummary(client) {
  const lines = client.lines.filter(([stream, text]) => stream === 'stdout' && text.startsWith('SUMMARY '));
  if (lines.length === 0) throw failure(`${client.name} printed no SUMMARY line`);
  const text = lines[lines.length - 1][1];
  try {
    return JSON.parse(text.slice('SUMMARY '.length));
  } catch (err) {
    throw failure(`${client.name}: SUMMARY is not JSON (${err.message}): ${text}`);
  }
}

function checkSummary(summary, workerPids) {
  const problems = [];
  if (summary.replies !== COUNT) problems.push(`replies ${summary.replies}, expected ${COUNT}`);
  if (summary.errors !== 0) problems.push(`errors ${summary.errors}, expected 0`);
  const perPid = summary.per_pid;
  if (perPid === null || typeof perPid !== 'object') {
    problems.push(`per_pid is ${JSON.stringify(perPid)}`);
  } else {
    const keys = Object.keys(perPid).sort();
    const want = workerPids.map(String).sort();
    if (JSON.stringify(keys) !== JSON.stringify(want)) {
      problems.push(`per_pid has pids [${keys.join(', ')}], expected exactly the workers [${want.join(', ')}]`);
    }
    for (const [pid, n] of Object.entries(perPid)) {
      if (!Number.isInteger(n) || n <= 0) problems.push(`per_pid[${pid}] = ${JSON.stringify(n)}`);
    }
    const total = Object.values(perPid).reduce((a, n) => a + (Number(n) || 0), 0);
    if (total !== COUNT) problems.push(`per_pid counts add up to ${total}, expected ${COUNT}`);
  }
  if (typeof summary.rate !== 'number' || !(summary.rate > 0)) {
    problems.push(`rate ${JSON.stringify(summary.rate)} is not a positive number`);
  }
  if (problems.length > 0) throw failure(`bad SUMMARY ${JSON.stringify(summary)}: ${problems.join('; ')}`);
}

// --- the mix ------------------------------------------------------------------------
async function run(state) {
  const dir = fs.mkdtempSync('/tmp/zmtp-node-mix-');
  state.dir = dir;
  process.chdir(dir); // every child runs here: the file service serves paths relative to it
  const filePath = 'file with "quotes" ünïcode.txt';
  fs.writeFileSync(filePath, FILE_TEXT, 'utf8');
  const ipcFile = path.join(dir, 'dealer.ipc');
  const routerEp = `tcp://127.0.0.1:${await freePort()}`;
  const dealerEp = `ipc://${ipcFile}`;
  say(`${mix.title}: router ${routerEp}, dealer ${dealerEp}`);

  // The server: filer-cluster or master.js.
  const serverArgs = ['--router', routerEp, '--dealer', dealerEp, '--workers', String(mix.serverWorkers)];
  const server = mix.server === 'cpp'
    ? new Child('filer-cluster', binary('filer-cluster'), serverArgs)
    : new Child('master.js', process.execPath, [nodeScript('master.js'), ...serverArgs]);
  state.server = server;
  const listening = `Listening on ${routerEp}, workers on ${dealerEp}`;
  await server.waitLine((t) => t.trim() === listening, START_TIMEOUT_MS, JSON.stringify(listening));

  let workerPids = [];
  let workers = [];
  if (mix.serverWorkers > 0) {
    const online = new Set();
    await server.waitLine((t) => {
      const m = /^Worker (\d+) is online\.$/.exec(t.trim());
      if (m) online.add(Number(m[1]));
      return online.size >= mix.serverWorkers;
    }, START_TIMEOUT_MS, `${mix.serverWorkers} "Worker <pid> is online." lines`);
    workerPids = [...online];
    if (workerPids.length !== mix.serverWorkers || workerPids.some((p) => !(p > 0))) {
      throw failure(`${server.name} announced workers [${workerPids.join(', ')}]`);
    }
  } else {
    for (let i = 1; i <= WORKERS; i++) {
      workers.push(mix.workers === 'cpp'
        ? new Child(`filer-worker #${i}`, binary('filer-worker'), ['--connect', dealerEp])
        : new Child(`worker.js #${i}`, process.execPath, [nodeScript('worker.js'), '--connect', dealerEp]));
    }
    workerPids = workers.map((w) => w.pid);
  }
  state.workers = workers;
  say(`server up after ${elapsed()} s, worker pids ${workerPids.join(', ')}`);

  const requester = makeRequester(routerEp);
  state.requester = requester;
  const warmups = await warmUp(requester, filePath, workerPids);
  const probes = await probeErrors(requester, dir, workerPids);
  requester.close();
  say(`every worker answered (${warmups} warm-up requests); ${probes} error replies right`);

  // The load.
  const clientArgs = ['--connect', routerEp, '--count', String(COUNT), '--clients', String(CLIENTS),
                      '--timeout-ms', String(LOAD_TIMEOUT_MS), filePath];
  const client = mix.client === 'cpp'
    ? new Child('filer-req', binary('filer-req'), clientArgs)
    : new Child('client.js', process.execPath, [nodeScript('client.js'), ...clientArgs]);
  state.client = client;
  const loadStart = Date.now();
  const clientExit = await Promise.race([
    client.exited,
    sleep(LOAD_TIMEOUT_MS + 3000).then(() => null),
  ]);
  if (clientExit === null) throw failure(`${client.name} still running ${LOAD_TIMEOUT_MS + 3000} ms after it started`);
  await Promise.race([client.closed, sleep(1000)]);
  const loadSeconds = (Date.now() - loadStart) / 1000;
  const summary = parseSummary(client);
  checkSummary(summary, workerPids);
  if (clientExit.code !== 0) throw failure(`${client.name} exited with ${describeExit(clientExit)} despite a good SUMMARY`);
  for (const w of workers) {
    if (!w.running()) throw failure(`${w.name} exited during the load (${describeExit(w.exit)})`);
  }
  if (!server.running()) throw failure(`${server.name} exited during the load (${describeExit(server.exit)})`);
  const restarted = server.lines.filter(([, t]) => /^Worker (\d+) is online\./.test(t.trim())).length - mix.serverWorkers;
  if (restarted > 0) throw failure(`${server.name} announced ${restarted} extra worker(s): one died and was restarted`);
  say(`${client.name}: ${summary.replies} replies, ${summary.errors} errors, per_pid ` +
      `${JSON.stringify(summary.per_pid)}, rate ${summary.rate}/s (${loadSeconds.toFixed(2)} s with start-up)`);

  // Shutdown: SIGTERM, exit 0 within the limit, ipc file gone, workers gone with it.
  const stopAt = Date.now();
  server.signal('SIGTERM');
  const serverExit = await Promise.race([server.exited, sleep(STOP_LIMIT_MS).then(() => null)]);
  if (serverExit === null) throw failure(`${server.name} still running ${STOP_LIMIT_MS} ms after SIGTERM`);
  const stopSeconds = (serverExit.at - stopAt) / 1000;
  if (serverExit.code !== 0) throw failure(`${server.name} exited with ${describeExit(serverExit)} on SIGTERM, expected code 0`);
  if (fs.existsSync(ipcFile)) throw failure(`${server.name} left its ipc file ${ipcFile} behind`);
  if (mix.serverWorkers > 0) {
    const until = Date.now() + 1000;
    while (workerPids.some((p) => !processGone(p)) && Date.now() < until) await sleep(20);
    const left = workerPids.filter((p) => !processGone(p));
    if (left.length > 0) throw failure(`${server.name} exited but its workers ${left.join(', ')} still run`);
  }
  for (const w of workers) w.signal('SIGTERM');
  await Promise.race([Promise.all(workers.map((w) => w.exited)), sleep(1000)]);
  if (workers.length > 0) {
    say(`SIGTERM to the workers: ${workers.map((w) => `${w.name} ${w.exit ? describeExit(w.exit) : 'still running'}`).join(', ')}`);
  }

  // A sanitizer build of the C++ programs reports on stderr (the forked workers of a
  // cluster share its stderr): any report fails the mix.
  await Promise.race([Promise.all(children.map((c) => c.closed)), sleep(1000)]);
  for (const child of children) {
    const reports = child.lines.filter(([, t]) => SANITIZER_REPORT.test(t));
    if (reports.length > 0) {
      throw failure(`${child.name} printed a sanitizer report: ${reports[0][1].trim()}`);
    }
  }
  return { summary, loadSeconds, stopSeconds, warmups, probes };
}

async function main() {
  const state = {};
  const deadline = sleep(DEADLINE_MS).then(() => {
    throw failure(`the mix took longer than ${DEADLINE_MS / 1000} s`);
  });
  let result;
  let error;
  try {
    result = await Promise.race([run(state), deadline]);
  } catch (err) {
    error = err;
  }
  if (state.requester) state.requester.close();
  killEverything();
  await Promise.race([Promise.all(children.map((c) => c.closed)), sleep(1000)]);
  if (state.dir) fs.rmSync(state.dir, { recursive: true, force: true });

  if (!error) {
    const s = result.summary;
    console.log(`mix ${mixNumber} PASS (${mix.title}): ${s.replies}/${COUNT} replies right, ` +
                `per_pid ${JSON.stringify(s.per_pid)}, ${s.rate} req/s, server stopped in ` +
                `${result.stopSeconds.toFixed(2)} s, total ${elapsed()} s`);
    process.exit(0);
  }
  for (const child of children) console.error(child.dump());
  const reason = error instanceof MixFailure ? error.message : (error && error.stack) || String(error);
  console.log(`mix ${mixNumber} FAIL (${mix.title}): ${reason} [after ${elapsed()} s]`);
  process.exit(1);
}

// Whatever happens, no child outlives the mix.
process.on('exit', killEverything);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killEverything();
    console.log(`mix ${mixNumber} FAIL (${mix.title}): interrupted by ${sig}`);
    process.exit(1);
  });
}

main();
