"""A steady GPU server for the shared-GPU proof (shared.sh): a parent that serves /health and holds --parent-mib on
the GPU, and a worker process (like vLLM's EngineCore) that holds --worker-mib; neither grows. With --dry it allocates
nothing (the kit's dry run, where the fake libnvidia-ml.so.1 charges the memory)."""
import argparse, http.server, multiprocessing as mp, os, sys, time


def hold(mib, dry):
    if not dry:
        import torch
        block = torch.empty(mib * 2**20, dtype=torch.uint8, device="cuda")
        block.fill_(1)
        torch.cuda.synchronize()
    print(f"[worker {os.getpid()}] holding {mib} MiB", flush=True)
    while True:
        time.sleep(3600)


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("--parent-mib", type=int, default=256)
    p.add_argument("--worker-mib", type=int, default=1024)
    p.add_argument("--dry", action="store_true")
    a = p.parse_args()
    mp.set_start_method("spawn")  # spawn re-imports this module: the code above is all definitions
    worker = mp.Process(target=hold, args=(a.worker_mib, a.dry), daemon=False)
    worker.start()
    if not a.dry:
        import torch
        keep = torch.empty(a.parent_mib * 2**20, dtype=torch.uint8, device="cuda")
        keep.fill_(1)
        torch.cuda.synchronize()
    print(f"[parent {os.getpid()}] worker {worker.pid}, serving on {a.port}", flush=True)
    http.server.HTTPServer(("127.0.0.1", a.port), Health).serve_forever()
