"""A foreign CUDA job for the shared-GPU proof (shared.sh): not the supervised server's, started beside it like a
notebook or another server. Allocates --gib GiB on the GPU in 1 GiB blocks, prints "READY <pid>", and holds the memory
until it is killed. With --dry it allocates nothing (the kit's dry run: the fake libnvidia-ml.so.1 charges it)."""
import argparse, os, sys, time

p = argparse.ArgumentParser()
p.add_argument("--gib", type=float, required=True)
p.add_argument("--dry", action="store_true")
a = p.parse_args()
blocks = []
if not a.dry:
    import torch
    left = int(a.gib * 2**30)
    while left > 0:
        n = min(left, 2**30)
        blocks.append(torch.empty(n, dtype=torch.uint8, device="cuda"))
        blocks[-1].fill_(1)
        left -= n
    torch.cuda.synchronize()
print(f"READY {os.getpid()} {a.gib} GiB", flush=True)
while True:
    time.sleep(3600)
