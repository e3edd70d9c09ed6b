'use strict';
// The clustered file service's master, as in the original Node.js text: a ROUTER for the
// clients and a DEALER for the workers, forwarding frames both ways, plus N REP workers
// (worker.js) forked with Node's cluster module. The Node.js counterpart of filer-cluster.
//
//   node master.js [--router EP] [--dealer EP] [--workers N]
//
// Defaults: tcp://127.0.0.1:60401, ipc://filer-dealer.ipc, N = number of CPUs. With
// N = 0 only the ROUTER/DEALER passthrough runs. A worker that dies is replaced. SIGINT or
// SIGTERM stops the workers, closes the sockets, removes the ipc file and exits 0.

const cluster = require('cluster');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zmq = require('zeromq/v5-compat');
const { parseArgs, intOption } = require('./args');

const USAGE = 'node master.js [--router EP] [--dealer EP] [--workers N]';
const { options, positionals, fail } = parseArgs(process.argv.slice(2), {
  router: 'tcp://127.0.0.1:60401',
  dealer: 'ipc://filer-dealer.ipc',
  workers: String(os.cpus().length),
}, USAGE);
if (positionals.length > 0) fail(`unexpected argument ${positionals[0]}`);
const numWorkers = intOption(options.workers, 'workers', fail);

const router = zmq.socket('router');
const dealer = zmq.socket('dealer');
router.setsockopt('linger', 0);
dealer.setsockopt('linger', 0);
try {
  router.bindSync(options.router);
  dealer.bindSync(options.dealer);
} catch (err) {
  console.error(`master: cannot bind: ${err.message}`);
  process.exit(1);
}

// Forward frames between the ROUTER and the DEALER, both ways.
router.on('message', (...frames) => dealer.send(frames));
dealer.on('message', (...frames) => router.send(frames));

console.log(`Listening on ${options.router}, workers on ${options.dealer}`);

let stopping = false;

cluster.setupPrimary({
  exec: path.join(__dirname, 'worker.js'),
  args: ['--connect', options.dealer],
});
cluster.on('online', (worker) => console.log(`Worker ${worker.process.pid} is online.`));
cluster.on('exit', (worker, code, signal) => {
  if (stopping) return;
  console.log(`Worker ${worker.process.pid} exited with code ${code}` +
              (signal ? ` (${signal})` : '') + '.');
  cluster.fork();
});
for (let i = 0; i < numWorkers; i++) cluster.fork();

function removeIpcFile(endpoint) {
  if (!endpoint.startsWith('ipc://')) return;
  const file = endpoint.slice('ipc://'.length);
  if (file.startsWith('@')) return; // abstract namespace: no file
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if (err.code !== 'ENOENT') console.error(`master: cannot remove ${file}: ${err.message}`);
  }
}

function stop() {
  if (stopping) return;
  stopping = true;
  router.close();
  dealer.close();
  removeIpcFile(options.dealer);
  const workers = Object.values(cluster.workers);
  for (const worker of workers) worker.process.kill('SIGTERM');
  const finish = () => process.exit(0);
  const alive = () => workers.filter((w) => w.process.exitCode === null &&
                                            w.process.signalCode === null);
  if (alive().length === 0) finish();
  cluster.on('exit', () => { if (alive().length === 0) finish(); });
  // A worker that does not go within half a second is killed.
  setTimeout(() => {
    for (const worker of alive()) worker.process.kill('SIGKILL');
    finish();
  }, 500).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
