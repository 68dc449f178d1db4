#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the bench guest's results channel into a Markdown table, a CSV and a PNG plot.

Input lines (from guest/bench.sh):
  R <config> <mode> <num_mb> <load> | testing speed of multibuffer ALG (DRIVER) encryption
  R <config> <mode> <num_mb> <load> | test N (K bit key, B byte blocks): X operations in S seconds (Y bytes)
  E <rep> | rust_padata: rpd-bench: engine=rust jobs=... submitters=S depth=D ... jobs_per_sec=... p50_us=... p99_us=...
  S <config> <mode> <num_mb> <load> | before|after ctxt=N res=N cal=N
  P rust <mode> <num_mb> <load> | submitted=N path_inline=N ... (the engine's debugfs counters
    over one Rust tcrypt run, summed over the shells; mode "ipsec" and num_mb = flows for an
    IPsec run)
  I <config> <flows> <run> | bytes=N secs=S MBps=X TCPOFOQueue=N ... esp=DRIVER... (one TCP
    over ESP run, guest/lib.sh ipsec_tcp), or "failed"
One tcrypt load may run its tests more than once (busybox insmod retries after tcrypt's
-EAGAIN): every "test N" line is one sample, and the CSV's samples column counts them.
The S lines frame each tcrypt run: their differences over the requests that run measured
give context switches and IPIs per request. The driver named in each "testing speed" header is checked against the configuration:
plain must not be a pcrypt instance, c must be pcrypt(...), rust must be pcrypt_rs(...).
"""

import csv
import re
import statistics
import sys
from collections import defaultdict

HDR = re.compile(r'testing speed of (?:multibuffer )?(\S+) \((\S+)\) (encryption|decryption)')
TEST = re.compile(r'\((\d+) bit key, (\d+) byte blocks\): (\d+) operations in (\d+) seconds')
SCHED = re.compile(r'(before|after) (.*)')
ENG = re.compile(r'submitters=(\d+) depth=(\d+) .*jobs_per_sec=(\d+) p50_us=(\d+) p99_us=(\d+) '
                 r'reordered=(\d+) lost=(\d+)')
CONFIGS = ['plain', 'c', 'rust']


def driver_ok(config, driver):
    if config == 'plain':
        return not driver.startswith('pcrypt')
    if config == 'c':
        return driver.startswith('pcrypt(')
    return driver.startswith('pcrypt_rs(')


def fields(line, n, problems):
    """The n words before ' | ' of a tagged result line and the text after them, or None,
    with the line recorded in problems, if it has another number of words (garbled)."""
    head, _, body = line.partition(' | ')
    words = head.split()
    if len(words) != n:
        problems.append('garbled %s line: %s' % (line[0], line[:80]))
        return None
    return words, body


def esp_ok(config, drivers):
    """Whether the ESP transforms of an IPsec run (seqiv(...) drivers) used the configuration's
    AEAD: no pcrypt for plain, pcrypt(...) for c, pcrypt_rs(...) for rust."""
    inner = [d[len('seqiv('):] for d in drivers if d.startswith('seqiv(')]
    if not inner:
        return False
    return all(driver_ok(config, d) for d in inner)


def ipsec_section(ipsec):
    """Markdown lines of the IPsec table. ipsec: (flows, config) -> list of dicts of one run's
    values (MBps, the receiver's out-of-order and the sender's reordering counters)."""
    if not ipsec:
        return []
    md = ['## IPsec: TCP over ESP (rfc4106(gcm(aes)), MTU 1500, two network namespaces)', '',
          'Goodput the receiver saw, MB/s, medians over runs; OFO: the receiver\'s',
          'TcpExt TCPOFOQueue (segments queued out of order), reorder: the sender\'s',
          'TCPSACKReorder + TCPTSReorder + TCPRenoReorder (+ TCPReordSeen where the kernel',
          'has it), both per run',
          '(means).', '',
          '| flows | plain | C pcrypt | Rust pcrypt | Rust/plain | Rust/C | OFO plain/C/Rust '
          '| reorder plain/C/Rust | runs |',
          '|---|---|---|---|---|---|---|---|---|']
    for flows in sorted({f for f, _ in ipsec}, key=int):
        med, ofo, reo = {}, [], []
        for cfg in CONFIGS:
            runs = ipsec.get((flows, cfg), [])
            med[cfg] = statistics.median(r['MBps'] for r in runs) if runs else None
            mean = lambda k: '-' if not runs else '%.0f' % (
                sum(sum(v for n, v in r.items() if n in k) for r in runs) / len(runs))
            ofo.append(mean({'TCPOFOQueue'}))
            reo.append(mean({'TCPSACKReorder', 'TCPTSReorder', 'TCPRenoReorder', 'TCPReordSeen'}))
        ratio = lambda a, b: '%.2f' % (a / b) if a and b else '-'
        md.append('| %s | %s | %s | %s | %s | %s | %s | %s | %d |' % (
            flows, *('-' if med[c] is None else '%.1f' % med[c] for c in CONFIGS),
            ratio(med['rust'], med['plain']), ratio(med['rust'], med['c']), '/'.join(ofo),
            '/'.join(reo), min(len(ipsec.get((flows, c), [])) for c in CONFIGS)))
    return md + ['']


def summary(rows):
    """Markdown lines: per mode, num_mb and block size, the medians over algorithms,
    directions and key sizes of Rust/C (with min-max), Rust/plain and C/plain, then how many
    cells meet the performance goals of issue 5. rows: CSV rows (see the bench.csv header)."""
    groups = defaultdict(list)
    for r in rows:
        groups[(r[0], r[1])].append(r)
    md = ['## Summary', '',
          'Per block size: median Rust/C over algorithms, directions and key sizes (min-max),',
          'then median Rust/plain and C/plain.', '']
    for (mode, mb) in sorted(groups, key=lambda g: (g[0], int(g[1]))):
        md += ['### mode %s%s' % (mode, ', num_mb=%s' % mb if mode == '215' else ''), '',
               '| block | Rust/C (min-max) | Rust/plain | C/plain |', '|---|---|---|---|']
        blocks = sorted({int(r[5]) for r in groups[(mode, mb)]})
        for b in blocks:
            sel = [r for r in groups[(mode, mb)] if int(r[5]) == b]
            rc = [r[9] for r in sel if r[9] is not None]
            rp = [r[10] for r in sel if r[10] is not None]
            cp = [r[7] / r[6] for r in sel if r[6] and r[7]]
            if not rc:
                continue
            md.append('| %d | %.2f (%.2f-%.2f) | %s | %s |' % (
                b, statistics.median(rc), min(rc), max(rc),
                '%.2f' % statistics.median(rp) if rp else '-',
                '%.2f' % statistics.median(cp) if cp else '-'))
        md.append('')
    cells = [r for r in rows if r[9] is not None]
    vs_plain = [r for r in rows if r[10] is not None]
    big = [r[10] for r in vs_plain if r[0] == '215' and int(r[5]) >= 1420]
    geo = statistics.geometric_mean(big) if big else None
    md += ['Goals of issue 29 (cells that meet them / cells):', '',
           '- Rust >= C: %d / %d' % (sum(r[9] >= 1 for r in cells), len(cells)),
           '- Rust/plain >= 0.9: %d / %d' % (sum(r[10] >= 0.9 for r in vs_plain), len(vs_plain)),
           '- Rust/plain geometric mean at >= 1420 bytes, mode 215: %s (goal 1.3)' % (
               '-' if geo is None else '%.2f' % geo),
           '']
    return md


def quantile_us(hist, q):
    """Upper bound, in microseconds, of the log2 bucket (bucket i: [2^i, 2^(i+1)) ns) that
    holds quantile q of histogram hist; '-' for an empty one."""
    total = sum(hist)
    if not total:
        return '-'
    seen = 0
    for i, n in enumerate(hist):
        seen += n
        if seen >= q * total:
            us = 2 ** (i + 1) / 1000.0
            return '%.0f' % us if us >= 10 else '%.2g' % us
    return '-'


def read_csv(path):
    """Rows of a bench.csv with numbers converted, for --summary."""
    rows = []
    with open(path, newline='') as f:
        for r in csv.DictReader(f):
            num = lambda k: float(r[k]) if r[k] not in ('', 'None') else None
            rows.append([r['mode'], r['num_mb'], r['alg'], r['dir'], int(r['key_bits']),
                         int(r['block_bytes']), num('plain_ops'), num('c_pcrypt_ops'),
                         num('rust_pcrypt_ops'), num('rust_over_c'), num('rust_over_plain'),
                         int(r['samples'])])
    return rows


def main():
    if sys.argv[1] == '--summary':
        print('\n'.join(summary(read_csv(sys.argv[2]))))
        return 0
    src, outdir = sys.argv[1], sys.argv[2]
    meta, samples, engine, problems = {}, defaultdict(list), defaultdict(list), []
    cur = {}
    # (config, mode, num_mb) -> [requests, ctxt, res, cal]; 'before' counters per run.
    sched, before = defaultdict(lambda: [0, 0, 0, 0]), {}
    # (mode, num_mb) -> summed engine counters of the Rust runs (P lines).
    paths = defaultdict(lambda: defaultdict(int))
    # (flows, config) -> one dict per IPsec run (I lines).
    ipsec = defaultdict(list)
    complete = False
    for line in open(src, errors='replace'):
        line = line.rstrip('\r\n')
        if line.startswith('# rpd-bench-complete'):
            complete = True
        m = re.match(r'# (machine|vcpus|kernel|rust-module): (.*)', line)
        if m:
            meta[m.group(1)] = m.group(2)
        if line.startswith('R '):
            head, _, body = line.partition(' | ')
            _, config, mode, mb, rep = head.split()
            h = HDR.search(body)
            if h:
                cur[(config, mode, mb, rep)] = (h.group(1), h.group(3), h.group(2))
                if not driver_ok(config, h.group(2)):
                    problems.append('%s measured driver %s' % (config, h.group(2)))
                continue
            t = TEST.search(body)
            if t and (config, mode, mb, rep) in cur:
                alg, direction, _ = cur[(config, mode, mb, rep)]
                key = (mode, mb, alg, direction, int(t.group(1)), int(t.group(2)))
                samples[(key, config)].append(int(t.group(3)) / int(t.group(4)))
                sched[(config, mode, mb)][0] += int(t.group(3))
        if line.startswith('S '):
            head, _, body = line.partition(' | ')
            _, config, mode, mb, rep = head.split()
            m = SCHED.match(body)
            if m:
                counts = dict(kv.split('=') for kv in m.group(2).split())
                vals = [int(counts.get(k, 0)) for k in ('ctxt', 'res', 'cal')]
                if m.group(1) == 'before':
                    before[(config, mode, mb, rep)] = vals
                elif (config, mode, mb, rep) in before:
                    b = before.pop((config, mode, mb, rep))
                    acc = sched[(config, mode, mb)]
                    for i in range(3):
                        acc[i + 1] += vals[i] - b[i]
        if line.startswith('P '):
            f = fields(line, 5, problems)
            if not f:
                continue
            (_, config, mode, mb, rep), body = f
            acc = paths[(mode, mb)]
            for kv in body.split():
                k, _, v = kv.partition('=')
                if v.isdigit():
                    acc[k] += int(v)
                elif re.fullmatch(r'\d+(,\d+)+', v):
                    # A log2 histogram: summed bucket by bucket.
                    h = acc.setdefault(k, [])
                    for i, x in enumerate(int(x) for x in v.split(',')):
                        if i == len(h):
                            h.append(0)
                        h[i] += x
        if line.startswith('I '):
            f = fields(line, 4, problems)
            if not f:
                continue
            (_, config, flows, run), body = f
            vals = dict(kv.partition('=')[::2] for kv in body.split() if '=' in kv)
            esp = body.partition('esp=')[2].split()
            if 'MBps' not in vals or 'failed' in body.split():
                problems.append('IPsec run %s flows=%s run=%s failed' % (config, flows, run))
                continue
            if not esp_ok(config, esp):
                problems.append('IPsec %s used ESP drivers %s' % (config, ' '.join(esp)))
            ipsec[(flows, config)].append({k: float(v) for k, v in vals.items()
                                           if re.fullmatch(r'[\d.]+', v)})
        if line.startswith('E '):
            e = ENG.search(line)
            if e:
                engine[(int(e.group(1)), int(e.group(2)))].append(
                    tuple(int(x) for x in e.group(3, 4, 5, 6, 7)))

    keys = sorted({k for k, _ in samples}, key=lambda k: (k[0], int(k[1]), k[2], k[3], k[4], k[5]))
    med = {kc: statistics.median(v) for kc, v in samples.items()}
    rows = []
    for k in keys:
        p, c, r = (med.get((k, cfg)) for cfg in CONFIGS)
        rows.append(list(k) + [p, c, r, (r / c) if r and c else None, (r / p) if r and p else None,
                               len(samples.get((k, 'rust'), []))])

    with open(outdir + '/bench.csv', 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['mode', 'num_mb', 'alg', 'dir', 'key_bits', 'block_bytes', 'plain_ops',
                    'c_pcrypt_ops', 'rust_pcrypt_ops', 'rust_over_c', 'rust_over_plain', 'samples'])
        for r in rows:
            w.writerow(r)

    counts = [len(v) for v in samples.values()]
    runs = ('%d' % min(counts) if min(counts) == max(counts) else '%d-%d' % (min(counts), max(counts))
            ) if counts else '0'
    fmt = lambda x: '-' if x is None else ('%.0f' % x if x >= 100 else '%.2f' % x)
    head = ['# rust-padata benchmark', '',
            'Machine: %s; vCPUs: %s; kernel: %s; ops/s, medians of %s tcrypt runs per cell.'
            % (meta.get('machine', '?'), meta.get('vcpus', '?'), meta.get('kernel', '?'), runs),
            '']
    if 'rust-module' in meta:
        cuts = sum(c.get('lane_cap_cuts', 0) for c in paths.values())
        tries = sum(c.get('lane_cap_tries', 0) for c in paths.values())
        head += ['Rust pcrypt: `%s`; lane cap measured by each shell: cut %d times, one more '
                 'lane tried %d times, over all Rust runs.' % (meta['rust-module'], cuts, tries),
                 '']
    table = ['| mode | mb | alg | dir | key | block | plain | C pcrypt | Rust pcrypt | Rust/C '
             '| Rust/plain |', '|---|---|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        table.append('| ' + ' | '.join([r[0], r[1], r[2], r[3][:3], str(r[4]), str(r[5])] +
                                      [fmt(x) for x in r[6:11]]) + ' |')
    table.append('')
    # Everything after the per-cell table.
    md_ipsec = ipsec_section(ipsec)
    md = summary(rows)
    md += ['', '## Engine microbenchmark (trivial parallel part, Rust engine)', '',
           'Depth 0: each submitter submits back to back (the 512-job window stays full, so the',
           'latency is mostly queueing behind it); depth N: bursts of N jobs, each waited for;',
           'depth 1: one job at a time through the synchronous path (`bench_sync=1`, as pcrypt',
           'under tcrypt mode 211).', '',
           '| submitters | depth | jobs/s (median) | p50 us | p99 us | reordered | lost |',
           '|---|---|---|---|---|---|---|']
    for (s, d), v in sorted(engine.items()):
        md.append('| %d | %d | %d | %d | %d | %d | %d |' % (
            s, d, statistics.median(x[0] for x in v), statistics.median(x[1] for x in v),
            statistics.median(x[2] for x in v), sum(x[3] for x in v), sum(x[4] for x in v)))
    md += ['', '## Scheduling cost per request (whole tcrypt runs, all repetitions)', '',
           '| config | mode | mb | requests | context switches | RES IPIs | CAL IPIs |',
           '|---|---|---|---|---|---|---|']
    for (config, mode, mb), (n, ctxt, res, cal) in sorted(
            sched.items(), key=lambda kv: (kv[0][1], int(kv[0][2]), CONFIGS.index(kv[0][0])
                                           if kv[0][0] in CONFIGS else 9)):
        if n:
            md.append('| %s | %s | %s | %d | %.3f | %.3f | %.3f |' % (
                config, mode, mb, n, ctxt / n, res / n, cal / n))
    if paths:
        md += ['', '## What the Rust engine did (debugfs counters, all Rust runs)', '',
               'Parallel parts run inline, on pinned lanes and on unbound lanes; requests',
               'completed synchronously (returned to the caller, no serial part); requests per',
               'serial batch; serial wakeups per request; polls of a lingering serial worker',
               'that caught a job; the median and 99th percentile of the time from submission to',
               'the serial part, and the 99th percentile of the time a finished request waited',
               'for its turn (upper bounds of log2 buckets). See',
               'Documentation/ABI/testing/debugfs-rust-padata.', '',
               '| mode | mb | requests | inline % | lane % | unbound % | sync % | batch '
               '| wakeups/req | poll hit % | latency p50/p99 us | wait p99 us | refused |',
               '|---|---|---|---|---|---|---|---|---|---|---|---|---|']
        pct = lambda a, b: '-' if not b else '%.0f' % (100.0 * a / b)
        for (mode, mb), c in sorted(paths.items(), key=lambda kv: (kv[0][0], int(kv[0][1]))):
            n = c['submitted']
            ran = c['path_inline'] + c['path_lane'] + c['path_unbound_lane']
            polls = c['poll_hits'] + c['poll_misses']
            refused = sum(v for k, v in c.items() if k.startswith('refused_'))
            lat, wait = c.get('latency_ns_log2', []), c.get('reorder_wait_ns_log2', [])
            md.append('| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s/%s | %s | %d |' % (
                mode, mb, n, pct(c['path_inline'], ran), pct(c['path_lane'], ran),
                pct(c['path_unbound_lane'], ran), pct(c['sync_completed'], c['completed']),
                '-' if not c['serial_batches'] else '%.1f' % (c['completed'] / c['serial_batches']),
                '-' if not n else '%.2f' % (c['serial_wakeups'] / n),
                pct(c['poll_hits'], polls), quantile_us(lat, 0.5), quantile_us(lat, 0.99),
                quantile_us(wait, 0.99), refused))
    if problems:
        md += ['', '**Problems:** ' + '; '.join(sorted(set(problems)))]
    if not complete:
        md += ['', '**The guest did not finish the benchmark.**']
    open(outdir + '/bench.md', 'w').write('\n'.join(head + md_ipsec + table + md) + '\n')
    # stdout gets everything but the per-cell table, which is in bench.md and bench.csv.
    print('\n'.join(head + md_ipsec + ['(per-cell table: %s/bench.md)' % outdir, ''] + md))

    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
        mbs = sorted({k[1] for k in keys if k[0] == '215'}, key=int)
        mb = mbs[0] if mbs else '8'
        for ax, (alg, direction) in zip(axes, [('rfc4106(gcm(aes))', 'encryption'),
                                               ('gcm(aes)', 'encryption')]):
            sel = [k for k in keys if k[2] == alg and k[3] == direction and k[0] == '215'
                   and k[1] == mb]
            kb = min((k[4] for k in sel), default=None)
            sel = [k for k in sel if k[4] == kb]
            for cfg, label in zip(CONFIGS, ['plain AEAD', 'C pcrypt', 'Rust pcrypt']):
                xs = [k[5] for k in sel if (k, cfg) in med]
                ys = [med[(k, cfg)] * k[5] / 1e6 for k in sel if (k, cfg) in med]
                ax.plot(xs, ys, marker='o', label=label)
            ax.set_xscale('log', base=2)
            ax.set_xlabel('block size (bytes)')
            ax.set_ylabel('MB/s')
            ax.set_title('%s %s, tcrypt 215 num_mb=%s, %s-bit key' % (alg, direction, mb, kb))
            ax.grid(True, alpha=0.3)
            ax.legend()
        fig.suptitle('%s vCPUs, %s' % (meta.get('vcpus', '?'), meta.get('kernel', '?')))
        fig.tight_layout()
        fig.savefig(outdir + '/bench.png', dpi=100)
        if ipsec:
            fig, ax = plt.subplots(figsize=(6, 4))
            flows = sorted({f for f, _ in ipsec}, key=int)
            for i, (cfg, label) in enumerate(zip(CONFIGS, ['plain AEAD', 'C pcrypt',
                                                           'Rust pcrypt'])):
                ys = [statistics.median(r['MBps'] for r in ipsec[(f, cfg)])
                      if ipsec.get((f, cfg)) else 0 for f in flows]
                ax.bar([j + (i - 1) * 0.27 for j in range(len(flows))], ys, 0.27, label=label)
            ax.set_xticks(range(len(flows)), ['%s flow%s' % (f, 's' if f != '1' else '')
                                              for f in flows])
            ax.set_ylabel('TCP goodput, MB/s')
            ax.set_title('TCP over ESP rfc4106(gcm(aes)), %s vCPUs' % meta.get('vcpus', '?'))
            ax.grid(True, axis='y', alpha=0.3)
            ax.legend()
            fig.tight_layout()
            fig.savefig(outdir + '/ipsec.png', dpi=100)
    except ImportError:
        print('(no matplotlib: plot skipped)')
    return 1 if problems or not complete else 0


if __name__ == '__main__':
    sys.exit(main())
