"""The creeping GPU server of the real-GPU proof; started by gpu_server.sh (see there)."""
import http.server, multiprocessing as mp, os, sys, time

def leak():
    import torch
    blocks = []
    torch.cuda.init()
    while True:
        blocks.append(torch.empty(256 * 2**20, dtype=torch.uint8, device="cuda"))
        blocks[-1].fill_(1)
        torch.cuda.synchronize()
        print(f"[worker {os.getpid()}] holding {len(blocks) * 256} MiB", flush=True)
        time.sleep(1)

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
    worker = mp.Process(target=leak, daemon=False)
    worker.start()
    import torch
    keep = torch.empty(64 * 2**20, dtype=torch.uint8, device="cuda")  # the parent holds a little too
    print(f"[parent {os.getpid()}] worker {worker.pid}, serving on {sys.argv[1]}", flush=True)
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
