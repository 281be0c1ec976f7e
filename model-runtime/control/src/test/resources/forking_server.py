#!/usr/bin/env python3
"""Test server shaped like uvicorn/gunicorn: the parent binds the port, then forks workers that inherit
the listening socket and serve HTTP on it. Killing only the parent leaves the workers holding the port,
which is exactly the orphan problem the supervisor must handle.

  forking_server.py --port P [--workers N] [--startup-delay S] [--control FILE] [--pidfile FILE]
                    [--term-delay S] [--worker-setsid] [--worker-ignore-term]

GET /health (and any other path) answers according to the first word of the control file, read per
request: "ok" (default, 200), "500" (500), "slow S" (sleep S seconds, then 200).
"""
import argparse
import http.server
import os
import signal
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--startup-delay", type=float, default=0.0)
    parser.add_argument("--control", default=None)
    parser.add_argument("--pidfile", default=None)
    parser.add_argument("--term-delay", type=float, default=0.0,
                        help="on SIGTERM, keep running this many seconds first (a slow graceful stop)")
    parser.add_argument("--worker-setsid", action="store_true",
                        help="workers leave the session and process group (setsid()), as some engine workers do")
    parser.add_argument("--worker-ignore-term", action="store_true",
                        help="workers ignore SIGTERM: only SIGKILL ends them")
    args = parser.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            mode = ["ok"]
            if args.control and os.path.exists(args.control):
                with open(args.control) as f:
                    mode = (f.read().split() or ["ok"])
            if mode[0] == "500":
                self.answer(500, b"failing\n")
                return
            if mode[0] == "slow":
                time.sleep(float(mode[1]) if len(mode) > 1 else 30.0)
            self.answer(200, b"ok\n")

        def answer(self, status, body):
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *a):
            sys.stdout.write("[%d] %s\n" % (os.getpid(), fmt % a))
            sys.stdout.flush()

    # Model loading: nothing listens until it is done, as with vLLM.
    if args.startup_delay > 0:
        time.sleep(args.startup_delay)

    server = http.server.HTTPServer((args.host, args.port), Handler)
    print("[%d] listening on %s:%d" % (os.getpid(), args.host, args.port), flush=True)

    children = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:
            # A worker: keeps serving even when its parent is gone (an orphan holding the port).
            if args.worker_setsid:
                os.setsid()
            signal.signal(signal.SIGTERM, signal.SIG_IGN if args.worker_ignore_term else signal.SIG_DFL)
            server.serve_forever()
            os._exit(0)
        children.append(pid)

    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write(" ".join(str(p) for p in [os.getpid()] + children) + "\n")

    if not children:
        server.serve_forever()
        return

    def stop(signum, frame):
        if args.term_delay > 0:
            time.sleep(args.term_delay)
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return
        except InterruptedError:
            continue


if __name__ == "__main__":
    main()
