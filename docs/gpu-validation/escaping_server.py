"""The escaping worker of the real-GPU proof (issue 13.3); started by 启动服务.sh. A parent serves /health and holds
a little GPU memory; its worker calls setsid() (it leaves the server's session and process group, as some engine
workers do), ignores SIGTERM, and holds 1 GiB of GPU memory until it is SIGKILLed."""
import http.server, multiprocessing as mp, os, signal, sys, time

def worker():
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    import torch
    block = torch.empty(2**30, dtype=torch.uint8, device="cuda")
    block.fill_(1)
    torch.cuda.synchronize()
    print(f"[worker {os.getpid()}] setsid, ignoring SIGTERM, holding 1024 MiB", flush=True)
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
    mp.set_start_method("spawn")
    w = mp.Process(target=worker, daemon=False)
    w.start()
    import torch
    keep = torch.empty(64 * 2**20, dtype=torch.uint8, device="cuda")
    print(f"[parent {os.getpid()}] worker {w.pid}, serving on {sys.argv[1]}", flush=True)
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
