#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Per-test ops/s of same-boot tcrypt experiments (the results channel of make exec, written
by scripts/experiment.sh or a command file of your own), their ratios to C pcrypt, per block
size the median ratio of every configuration to C and to plain, and the context switches and
IPIs per request of each configuration (from the S lines). E lines (engine microbenchmark)
and the P lines of the reported configurations (debugfs counters, masks) are
printed as they are.

Usage: scripts/same-boot-report.py RESULTS [--c CFG] [--plain CFG] [--only REGEX]: the
configurations the ratios are taken against (default c and plain), and which configurations
to report (a regular expression their whole name must match; default all). For example, on
the raw output of an older experiment (Documentation/bench.rst, "Raw data"):

  scripts/same-boot-report.py <(git show d7beca1:Documentation/bench/mask2-215.txt) \\
      --c c32 --plain plain32 --only '.*32'"""
import argparse
import collections
import re
import statistics

ap = argparse.ArgumentParser()
ap.add_argument('results')
ap.add_argument('--c', default='c')
ap.add_argument('--plain', default='plain')
ap.add_argument('--only', default='.*')
args = ap.parse_args()

# R cfg | tcrypt: testing speed of multibuffer rfc4106(gcm(aes)) (drv) encryption
# R cfg | tcrypt: test 0 (160 bit key, 16 byte blocks): 1234 operations in 1 seconds (...)
res = collections.defaultdict(dict)
cur = None
# S cfg | before|after ctxt=N res=N cal=N
ops = collections.Counter()
sched = collections.defaultdict(lambda: collections.Counter())
for line in open(args.results, errors='replace'):
    m = re.match(r'S (\S+) \| (before|after) (.*)', line)
    if m:
        sign = 1 if m.group(2) == 'after' else -1
        for kv in m.group(3).split():
            k, v = kv.split('=')
            sched[m.group(1)][k] += sign * int(v)
        continue
    if line.startswith('E '):
        print(line.strip())
        continue
    m = re.match(r'P (\S+) \|', line)
    if m:
        if re.fullmatch(args.only, m.group(1)):
            print(line.strip())
        continue
    m = re.match(r'R (\S+) \| .*testing speed of (?:multibuffer )?(\S+) \((\S+)\) (\w+)', line)
    if m:
        cur = (m.group(2), m.group(4))
        continue
    m = re.match(r'R (\S+) \| .*\((\d+) bit key, (\d+) byte blocks\): (\d+) operations', line)
    if m and cur:
        res[(cur[0], cur[1], int(m.group(2)), int(m.group(3)))][m.group(1)] = int(m.group(4))
        ops[m.group(1)] += int(m.group(4))
cfgs = sorted({c for v in res.values() for c in v if re.fullmatch(args.only, c)})
print('alg dir key size', ' '.join(cfgs), ' ratios vs', args.c)
for k in sorted(res):
    v = res[k]
    print(*k, *[v.get(c, 0) for c in cfgs],
          *['%.2f' % (v.get(c, 0) / max(1, v.get(args.c, 1))) for c in cfgs])
print()
print('median ratio per block size (to %s / to %s)' % (args.c, args.plain))
print('size', *cfgs)
for size in sorted({k[3] for k in res}):
    row = [size]
    for c in cfgs:
        rc = [v[c] / v[args.c] for k, v in res.items()
              if k[3] == size and c in v and v.get(args.c)]
        rp = [v[c] / v[args.plain] for k, v in res.items()
              if k[3] == size and c in v and v.get(args.plain)]
        row.append('%.2f/%.2f' % (statistics.median(rc) if rc else 0,
                                  statistics.median(rp) if rp else 0))
    print(*row)

if sched:
    print()
    print('per request: context switches, RES IPIs, CAL IPIs')
    for c in cfgs:
        if ops[c] and c in sched:
            print(c, *['%s=%.3f' % (k, sched[c][k] / ops[c]) for k in ('ctxt', 'res', 'cal')])
