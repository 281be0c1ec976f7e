"""Load for the hang-detection proof (run-hang.sh): N threads sending completions continuously, stdlib only.

Each thread loops: POST {url}/v1/completions with a prompt and a max_tokens drawn from --max-tokens (weighted toward
short ones, with some long ones that take longer than a stall_after of 10 s would tolerate for a request-end total),
and counts answers, errors and latencies. A refused connection (the server restarting) is retried after a short
pause and counted as `refused`. Prints a progress line every --report seconds and a summary at the end (after
--duration seconds, or on SIGTERM/SIGINT); --summary-json writes the summary as JSON too.

    python3 hang_client.py --url http://127.0.0.1:8011 --threads 8 --duration 0
"""
import argparse
import json
import random
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

PROMPTS = [
    "The supervisor watches the engine's step counter.",
    "Once upon a time, a GPU kernel spun forever while the health endpoint kept answering 200.",
    "Summarise the following log: " + "request done; " * 20,
    "Translate to French: the server is stuck.",
]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.ok = 0
        self.errors = 0
        self.refused = 0
        self.tokens = 0
        self.latencies = []  # (seconds, max_tokens)
        self.last_ok = None
        self.last_error = None
        self.error_kinds = {}

    def add_ok(self, seconds, max_tokens, tokens):
        with self.lock:
            self.ok += 1
            self.tokens += tokens
            self.latencies.append((seconds, max_tokens))
            self.last_ok = time.time()

    def add_error(self, kind, refused=False):
        with self.lock:
            if refused:
                self.refused += 1
            else:
                self.errors += 1
                self.last_error = time.time()
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    def summary(self, started):
        with self.lock:
            lat = sorted(s for s, _ in self.latencies)
            long_ = sorted(s for s, m in self.latencies if m >= 1000)

            def pct(xs, q):
                return round(xs[min(len(xs) - 1, int(q * len(xs)))], 3) if xs else None

            return {
                "elapsed_s": round(time.time() - started, 1), "ok": self.ok, "errors": self.errors,
                "refused_retried": self.refused, "completion_tokens": self.tokens,
                "latency_s": {"p50": pct(lat, 0.5), "p95": pct(lat, 0.95), "max": round(lat[-1], 3) if lat else None},
                "long_requests": {"count": len(long_), "p50_s": pct(long_, 0.5),
                                  "max_s": round(long_[-1], 3) if long_ else None},
                "last_ok": time.strftime("%H:%M:%S", time.localtime(self.last_ok)) if self.last_ok else None,
                "last_error": time.strftime("%H:%M:%S", time.localtime(self.last_error)) if self.last_error else None,
                "error_kinds": dict(self.error_kinds),
            }


def worker(i, a, sizes, weights, stats, stop):
    rnd = random.Random(1000 + i)
    while not stop.is_set():
        max_tokens = rnd.choices(sizes, weights)[0]
        body = json.dumps({"prompt": rnd.choice(PROMPTS), "max_tokens": max_tokens}).encode()
        req = urllib.request.Request(a.url.rstrip("/") + "/v1/completions", data=body,
                                     headers={"Content-Type": "application/json"})
        t0 = time.time()
        try:
            with urllib.request.urlopen(req, timeout=a.timeout) as r:
                answer = json.loads(r.read())
            stats.add_ok(time.time() - t0, max_tokens, answer.get("usage", {}).get("completion_tokens", 0))
        except urllib.error.HTTPError as e:
            stats.add_error(f"http_{e.code}")
            time.sleep(0.2)
        except (urllib.error.URLError, ConnectionError, OSError) as e:
            reason = getattr(e, "reason", e)
            refused = isinstance(reason, ConnectionRefusedError)
            stats.add_error("refused" if refused else type(reason).__name__, refused=refused)
            time.sleep(0.5)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8011")
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--duration", type=float, default=0, help="seconds; 0 = until SIGTERM/SIGINT")
    p.add_argument("--max-tokens", default="8:4,32:4,128:3,512:2,2000:1,4000:1",
                   help="size:weight,... for max_tokens")
    p.add_argument("--timeout", type=float, default=600, help="per request, seconds")
    p.add_argument("--report", type=float, default=5, help="progress line every N seconds")
    p.add_argument("--summary-json", default="")
    a = p.parse_args()
    pairs = [x.split(":") for x in a.max_tokens.split(",")]
    sizes = [int(s) for s, _ in pairs]
    weights = [float(w) for _, w in pairs]
    stats, stop, started = Stats(), threading.Event(), time.time()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    for i in range(a.threads):
        threading.Thread(target=worker, args=(i, a, sizes, weights, stats, stop), daemon=True).start()
    print(f"{time.strftime('%H:%M:%S')} [hang_client] {a.threads} threads -> {a.url}, max_tokens {a.max_tokens}",
          flush=True)
    next_report = time.time() + a.report
    while not stop.is_set():
        if a.duration and time.time() - started >= a.duration:
            break
        stop.wait(0.2)
        if time.time() >= next_report:
            s = stats.summary(started)
            print(f"{time.strftime('%H:%M:%S')} [hang_client] ok={s['ok']} errors={s['errors']} "
                  f"refused={s['refused_retried']} tokens={s['completion_tokens']} p50={s['latency_s']['p50']}s "
                  f"max={s['latency_s']['max']}s last_ok={s['last_ok']}", flush=True)
            next_report += a.report
    stop.set()
    s = stats.summary(started)
    print(f"{time.strftime('%H:%M:%S')} [hang_client] SUMMARY {json.dumps(s)}", flush=True)
    if a.summary_json:
        with open(a.summary_json, "w") as f:
            json.dump(s, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
