#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Per-test ops/s and ratios to C of the lane-wake experiment (build/exec-results.txt)."""
import re,sys,collections
# R cfg | tcrypt: testing speed of multibuffer rfc4106(gcm(aes)) (drv) encryption
# R cfg | tcrypt: test 0 (160 bit key, 16 byte blocks): 1234 operations in 1 seconds (19744 bytes)
res=collections.defaultdict(dict); cur=None
for l in open(sys.argv[1], errors='replace'):
    if l.startswith('E '): print(l.strip()); continue
    m=re.match(r'R (\S+) \| .*testing speed of multibuffer (\S+) \((\S+)\) (\w+)',l)
    if m: cur=(m.group(2),m.group(4)); drv=m.group(3); continue
    m=re.match(r'R (\S+) \| .*\((\d+) bit key, (\d+) byte blocks\): (\d+) operations',l)
    if m and cur:
        res[(cur[0],cur[1],int(m.group(2)),int(m.group(3)))][m.group(1)]=int(m.group(4))
cfgs=sorted({c for v in res.values() for c in v})
print('alg dir key size', ' '.join(cfgs), ' ratios vs c')
for k in sorted(res):
    v=res[k]
    print(*k, *[v.get(c,0) for c in cfgs], *['%.2f'%(v.get(c,0)/max(1,v.get('c',1))) for c in cfgs])
