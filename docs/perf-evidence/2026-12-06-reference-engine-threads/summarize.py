#!/usr/bin/env python3
"""Tabulates bench-r<round>-<jar>.txt beside this script: the 1-minute load before each run and the
embeddings/s (p99 ms) for 1, 2 and 4 clients, and (runs made by run-cpu.sh) the server's CPU ms per sentence
embedded over the whole run; then the median embeddings/s of each jar."""
import pathlib
import re
import statistics

here = pathlib.Path(__file__).resolve().parent
rows = []
for f in sorted(here.glob("bench-r*-*.txt"), key=lambda p: (int(re.search(r"r(\d+)", p.name).group(1)), p.name)):
    text = f.read_text()
    rnd, jar = re.match(r"bench-r(\d+)-(\w+)\.txt", f.name).groups()
    start = re.search(r"^# (\S+) uptime:.*load average: ([\d.]+), ([\d.]+), ([\d.]+)", text, re.M)
    runs = {int(c): (float(r), float(p99)) for c, r, p99 in
            re.findall(r"^(\d) client\(s\): \d+ requests in [\d.]+ s = ([\d.]+) embeddings/s; .*p99 ([\d.]+) ms", text, re.M)}
    if len(runs) < 3:
        continue
    cpu = re.search(r"^# server cpu: ([\d.]+) s", text, re.M)
    sentences = re.search(r"\((\d+) sentences embedded\)", text)
    per = 1000 * float(cpu.group(1)) / int(sentences.group(1)) if cpu and sentences else None
    rows.append((int(rnd), jar, start.group(1)[11:16], float(start.group(2)), runs, per))

order = {"old": 0, "new": 1, "single": 2}
print("| round | jar | start (UTC) | load (1 min) | 1 client | 2 clients | 4 clients | server CPU ms / embedding |")
print("|---|---|---|---|---|---|---|---|")
for rnd, jar, at, load, runs, per in sorted(rows, key=lambda r: (r[0], order.get(r[1], 9))):
    cells = " | ".join(f"{runs[c][0]:.0f} ({runs[c][1]:.0f})" for c in (1, 2, 4))
    print(f"| {rnd} | {jar} | {at} | {load:.1f} | {cells} | {'' if per is None else f'{per:.2f}'} |")
print()
print("| jar | runs | median 1 client | median 2 clients | median 4 clients | median load | median CPU ms / embedding |")
print("|---|---|---|---|---|---|---|")
for jar in sorted({r[1] for r in rows}, key=lambda j: order.get(j, 9)):
    mine = [r for r in rows if r[1] == jar]
    med = [statistics.median(r[4][c][0] for r in mine) for c in (1, 2, 4)]
    pers = [r[5] for r in mine if r[5] is not None]
    cpu = f"{statistics.median(pers):.2f} ({len(pers)} runs)" if pers else ""
    print(f"| {jar} | {len(mine)} | {med[0]:.0f} | {med[1]:.0f} | {med[2]:.0f} | {statistics.median(r[3] for r in mine):.1f} | {cpu} |")
