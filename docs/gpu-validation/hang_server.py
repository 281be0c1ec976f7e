"""A GPU inference server that can really hang, for the hang-detection proof (run-hang.sh, issue 16).

It generates tokens on the GPU with a small transformers causal LM built from a config (GPT-2 shaped, random weights:
nothing to download), behind a stdlib ThreadingHTTPServer, and looks to a supervisor like vLLM does:

  GET  /health              200 always, like vLLM's, even while the engine is stuck (that is the point)
  POST /v1/completions      {"prompt": "...", "max_tokens": N} -> an OpenAI-style text_completion, once generated
  GET  /v1/models           the one model
  GET  /metrics             Prometheus text in vLLM's names, labels model_name and engine like vLLM's:
                              vllm:num_requests_running, vllm:num_requests_waiting (gauges),
                              vllm:iteration_tokens_total (histogram observed once per engine step: _count moves
                              every step), vllm:generation_tokens / vllm:prompt_tokens (counters, exposed _total),
                              vllm:request_success (counter)
  POST /admin/fault/hang    at its next step the engine thread hangs INSIDE GPU work: it launches a kernel that
                            spins (torch.cuda._sleep) and waits for it (torch.cuda.synchronize), forever, holding
                            its running requests. The GPU stays busy, /health keeps answering, the counters stop.

ONE engine thread does all the GPU work, step by step (continuous batching in the simplest form: every running
request advances by one token per step, up to --max-batch running, the rest wait in a queue). Tokens are bytes of
the prompt (no tokenizer to download); the text generated is meaningless, the GPU work is real.

    python3 hang_server.py --port 8011 --device cuda:0 --layers 2
"""
import argparse
import collections
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def log(msg):
    print(f"{time.strftime('%H:%M:%S')} [hang_server {os.getpid()}] {msg}", flush=True)


class Request:
    def __init__(self, prompt, max_tokens):
        self.id = "cmpl-" + uuid.uuid4().hex[:16]
        self.prompt = prompt
        self.max_tokens = max_tokens
        self.prompt_ids = None
        self.past = None
        self.output = []
        self.done = threading.Event()
        self.error = None
        self.t_arrival = time.time()


class Engine:
    def __init__(self, a):
        import torch
        from prometheus_client import Counter, Gauge, Histogram
        from transformers import AutoModelForCausalLM, GPT2Config

        self.torch = torch
        self.device = torch.device(a.device)
        torch.manual_seed(0)
        self.n_positions = a.n_positions
        config = GPT2Config(vocab_size=a.vocab, n_positions=a.n_positions, n_embd=a.n_embd, n_layer=a.layers,
                            n_head=a.n_head, n_inner=4 * a.n_embd,
                            bos_token_id=a.vocab - 1, eos_token_id=a.vocab - 1)
        self.model = AutoModelForCausalLM.from_config(config).to(self.device).eval()
        self.vocab = a.vocab
        self.max_batch = a.max_batch
        params = sum(p.numel() for p in self.model.parameters())
        # Memory held like a server's KV cache: makes the release after a restart visible in nvidia-smi.
        self.hold = torch.empty(a.hold_mib * 2**20, dtype=torch.uint8, device=self.device) if a.hold_mib else None
        if self.hold is not None:
            self.hold.fill_(1)
        self.cuda = self.device.type == "cuda"
        if self.cuda:
            torch.cuda.synchronize(self.device)
        name = torch.cuda.get_device_name(self.device) if self.cuda else "CPU (no GPU: a test of the logic only)"
        log(f"model GPT-2 shaped, {a.layers} layers, n_embd {a.n_embd}, {params / 1e6:.1f} M parameters, on "
            f"{name} ({a.device}); holding {a.hold_mib} MiB more; torch {torch.__version__}, "
            f"torch.cuda._sleep {'present' if hasattr(torch.cuda, '_sleep') else 'MISSING'}")

        labels = ["model_name", "engine"]
        lv = (a.model_name, "0")
        self.g_running = Gauge("vllm:num_requests_running", "Number of requests in model execution batches.",
                               labels).labels(*lv)
        self.g_waiting = Gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.",
                               labels).labels(*lv)
        self.h_iter = Histogram("vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.",
                                labels, buckets=[1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]
                                ).labels(*lv)
        self.c_gen = Counter("vllm:generation_tokens", "Number of generation tokens processed.", labels).labels(*lv)
        self.c_prompt = Counter("vllm:prompt_tokens", "Number of prefill tokens processed.", labels).labels(*lv)
        self.c_success = Counter("vllm:request_success", "Count of successfully processed requests.",
                                 labels + ["finished_reason"]).labels(*lv, "length")

        self.lock = threading.Condition()
        self.waiting = collections.deque()
        self.running = []
        self.hang = threading.Event()
        self.steps = 0
        self.completed = 0
        self.thread = threading.Thread(target=self.loop, name="engine", daemon=True)

    def submit(self, req):
        ids = list(req.prompt.encode("utf-8"))[: self.n_positions // 2] or [32]
        req.prompt_ids = ids
        req.max_tokens = max(1, min(req.max_tokens, self.n_positions - len(ids)))
        with self.lock:
            self.waiting.append(req)
            self.g_waiting.set(len(self.waiting))
            self.lock.notify()

    def spin_forever(self):
        torch = self.torch
        ids = [r.id for r in self.running]
        where = "GPU work" if self.cuda else "a sleep (CPU test)"
        log(f"FAULT: engine hangs inside {where} now (step {self.steps}, holding {len(ids)} running request(s), "
            f"{len(self.waiting)} waiting): torch.cuda._sleep spin kernels + torch.cuda.synchronize, forever"
            if self.cuda else f"{len(self.waiting)} waiting)")
        n = 0
        while not self.cuda:  # --device cpu (a test without a GPU): the hang is a plain sleep
            time.sleep(1)
        while True:
            torch.cuda._sleep(10**9)  # a kernel that spins ~10^9 GPU clock cycles (about 0.5-1 s)
            torch.cuda.synchronize(self.device)  # the engine thread waits inside the CUDA call
            n += 1
            if n == 1 or n % 30 == 0:
                log(f"still hung: {n} spin kernels done, running gauge {len(ids)}, /health still 200")

    def loop(self):
        torch = self.torch
        with torch.inference_mode():
            while True:
                with self.lock:
                    while not self.running and not self.waiting:
                        self.lock.wait()
                    while self.waiting and len(self.running) < self.max_batch:
                        self.running.append(self.waiting.popleft())
                    self.g_running.set(len(self.running))
                    self.g_waiting.set(len(self.waiting))
                if self.hang.is_set():
                    self.spin_forever()
                step_tokens = 0
                generated = 0
                finished = []
                for r in self.running:
                    try:
                        if r.past is None:  # prefill: the whole prompt in one forward
                            x = torch.tensor([r.prompt_ids], device=self.device)
                            step_tokens += len(r.prompt_ids)
                            self.c_prompt.inc(len(r.prompt_ids))
                        else:  # decode: one token
                            x = torch.tensor([[r.output[-1]]], device=self.device)
                            step_tokens += 1
                        out = self.model(input_ids=x, past_key_values=r.past, use_cache=True)
                        r.past = out.past_key_values
                        r.output.append(int(out.logits[0, -1].argmax()))  # waits for the GPU
                        generated += 1
                    except Exception as e:  # a request that fails ends with 500, the engine goes on
                        r.error = f"{type(e).__name__}: {e}"
                        finished.append(r)
                        continue
                    if len(r.output) >= r.max_tokens:
                        finished.append(r)
                self.steps += 1
                self.h_iter.observe(step_tokens)  # once per engine step, like vLLM's
                self.c_gen.inc(generated)
                with self.lock:
                    for r in finished:
                        self.running.remove(r)
                        r.past = None
                        if r.error is None:
                            self.c_success.inc()
                            self.completed += 1
                        r.done.set()
                    self.g_running.set(len(self.running))
                    self.g_waiting.set(len(self.waiting))
                if self.steps % 2000 == 0:
                    log(f"step {self.steps}: {self.completed} requests completed, {len(self.running)} running, "
                        f"{len(self.waiting)} waiting")


def make_handler(engine, model_name):
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def send(self, code, body, ctype="application/json"):
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(n) or b"{}") if n else {}

        def do_GET(self):
            if self.path == "/health":
                self.send(200, b"", "text/plain")  # vLLM: 200, empty body, whatever the engine does
            elif self.path.startswith("/metrics"):
                self.send(200, generate_latest(), CONTENT_TYPE_LATEST)
            elif self.path == "/v1/models":
                self.send(200, {"object": "list", "data": [{"id": model_name, "object": "model"}]})
            else:
                self.send(404, {"error": "not found"})

        def do_POST(self):
            if self.path == "/admin/fault/hang":
                engine.hang.set()
                log("POST /admin/fault/hang: the engine will hang at its next step")
                self.send(200, {"fault": "hang", "at_next_step": True, "steps_so_far": engine.steps})
                return
            if self.path != "/v1/completions":
                self.send(404, {"error": "not found"})
                return
            try:
                b = self.body()
                req = Request(str(b.get("prompt", "")), int(b.get("max_tokens", 16)))
            except (ValueError, TypeError) as e:
                self.send(400, {"error": f"bad request: {e}"})
                return
            engine.submit(req)
            req.done.wait()
            if req.error:
                self.send(500, {"error": req.error})
                return
            text = "".join(chr(32 + t % 95) for t in req.output)
            self.send(200, {
                "id": req.id, "object": "text_completion", "created": int(req.t_arrival), "model": model_name,
                "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": "length"}],
                "usage": {"prompt_tokens": len(req.prompt_ids), "completion_tokens": len(req.output),
                          "total_tokens": len(req.prompt_ids) + len(req.output)},
            })

        def log_message(self, *a):
            pass

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=8011)
    p.add_argument("--device", default="cuda:0")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--n-embd", type=int, default=256)
    p.add_argument("--n-head", type=int, default=4)
    p.add_argument("--vocab", type=int, default=8192)
    p.add_argument("--n-positions", type=int, default=8192)
    p.add_argument("--max-batch", type=int, default=8)
    p.add_argument("--hold-mib", type=int, default=1024, help="extra GPU memory held, like a KV cache")
    p.add_argument("--model-name", default="hang-gpt2")
    a = p.parse_args()
    engine = Engine(a)
    engine.thread.start()
    server = ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(engine, a.model_name))
    server.daemon_threads = True
    log(f"serving on 127.0.0.1:{a.port} (/health /v1/completions /metrics /admin/fault/hang)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
