#!/usr/bin/python3
"""pyzmq against the C++ file service, both ways:
1. a pyzmq DEALER, speaking REQ's envelope (empty delimiter), talks to filer-worker (our REP);
2. filer-req (our REQ clients) talks through a pyzmq ROUTER/DEALER zmq.proxy to pyzmq
   REP workers.
Every reply is checked. Usage: filer_pyzmq.py BIN_DIR (run with /usr/bin/python3)."""
import json, os, shutil, socket, subprocess, sys, tempfile, threading, time
import zmq

bin_dir = sys.argv[1]
work = tempfile.mkdtemp(prefix="zmtp-pyzmq-")
path = os.path.join(work, "file.txt")
content = 'pyzmq says "hi" \u00fc\n'
with open(path, "w", encoding="utf-8") as f:
    f.write(content)
ctx = zmq.Context()

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

# 1. pyzmq DEALER (bound) -> filer-worker (zmtp REP, connecting).
backend = f"ipc://{work}/worker.ipc"
dealer = ctx.socket(zmq.DEALER)
dealer.bind(backend)
worker = subprocess.Popen([os.path.join(bin_dir, "filer-worker"), "--connect", backend, "--root", work])
try:
    dealer.setsockopt(zmq.RCVTIMEO, 5000)
    pids = set()
    for i in range(20):
        dealer.send_multipart([b"", json.dumps({"path": "file.txt"}).encode()])
        empty, body = dealer.recv_multipart()
        reply = json.loads(body)
        assert empty == b"", "REP reply lost its delimiter"
        assert reply["content"] == content, reply
        pids.add(reply["pid"])
    dealer.send_multipart([b"", b"not json"])
    assert "error" in json.loads(dealer.recv_multipart()[1])
    assert pids == {worker.pid}, pids
    print("1. pyzmq DEALER -> filer-worker (zmtp REP): 21 replies OK")
finally:
    worker.terminate()
    assert worker.wait(timeout=5) == 0, "filer-worker did not exit cleanly"
    dealer.close()

# 2. filer-req (zmtp REQ) -> pyzmq ROUTER | zmq.proxy | DEALER -> pyzmq REP workers.
frontend_ep = f"tcp://127.0.0.1:{free_port()}"
backend_ep = f"inproc://workers"
frontend = ctx.socket(zmq.ROUTER)
frontend.bind(frontend_ep)
backend = ctx.socket(zmq.DEALER)
backend.bind(backend_ep)
threading.Thread(target=lambda: zmq.proxy(frontend, backend), daemon=True).start()

def rep_worker(name):
    s = ctx.socket(zmq.REP)
    s.connect(backend_ep)
    while True:
        try:
            request = json.loads(s.recv())
        except zmq.ContextTerminated:
            return
        with open(request["path"], encoding="utf-8") as f:
            s.send(json.dumps({"content": f.read(), "timestamp": int(time.time() * 1000), "pid": name}).encode())

for name in (1001, 1002):
    threading.Thread(target=rep_worker, args=(name,), daemon=True).start()
run = subprocess.run([os.path.join(bin_dir, "filer-req"), "--connect", frontend_ep, "--count", "400",
                      "--clients", "4", path], capture_output=True, text=True, timeout=60)
print(run.stdout)
assert run.returncode == 0, run.stderr
summary = json.loads(run.stdout.split("SUMMARY ", 1)[1])
assert summary["replies"] == 400 and summary["errors"] == 0 and summary["missing"] == 0, summary
assert summary["per_pid"] == {"1001": 200, "1002": 200}, summary["per_pid"]
print("2. filer-req (zmtp REQ) -> pyzmq ROUTER/DEALER proxy -> pyzmq REP: 400 replies OK")
shutil.rmtree(work, ignore_errors=True)
os._exit(0)  # the proxy thread blocks forever
