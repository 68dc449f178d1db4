#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge one guest run of rust-padata.

Inputs: the serial console log (kernel messages), the results channel written by the guest on
its second serial port (KTAP of every suite between markers), and QEMU's exit status.

The KTAP is parsed by the kernel's own tools/testing/kunit/kunit.py.  The verdict is printed
as per-suite lines and a final ``N passed, N failed`` line; the exit status is non-zero on any
failed test, any kernel report in the console log (Oops, BUG, WARNING, lockdep, KASAN,
kmemleak, hung task, RCU stall), a guest that never reported, or a timeout.  Every failure
names its cause and the saved log.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# Kernel reports that fail a run wherever they appear in the console log.
KERNEL_REPORTS = [
    (re.compile(r'WARNING: possible (circular|recursive) locking'), 'lockdep report'),
    (re.compile(r'WARNING: (inconsistent lock state|suspicious RCU usage)'), 'lockdep report'),
    (re.compile(r'INFO: (possible|trying to register non-static key)'), 'lockdep report'),
    (re.compile(r'\bKASAN: '), 'KASAN report'),
    (re.compile(r'\bUBSAN: '), 'UBSAN report'),
    (re.compile(r'kmemleak: \d+ new suspected memory leaks'), 'kmemleak report'),
    (re.compile(r'watchdog: BUG: soft lockup'), 'soft lockup'),
    (re.compile(r'\bWARNING: '), 'kernel WARNING'),
    (re.compile(r'\bBUG: '), 'kernel BUG'),
    (re.compile(r'kernel BUG at '), 'kernel BUG'),
    (re.compile(r'\bOops(: |\b.*SMP)'), 'kernel Oops'),
    (re.compile(r'general protection fault'), 'general protection fault'),
    (re.compile(r'Kernel panic'), 'kernel panic'),
    (re.compile(r'INFO: task .* blocked for more than'), 'hung task'),
    (re.compile(r'rcu: INFO: .*(stall|detected stalls)'), 'RCU stall'),
    (re.compile(r'ODEBUG: '), 'debugobjects report'),
    (re.compile(r'list_(add|del) corruption'), 'list corruption'),
]

BEGIN = '# rpd-results-begin'
END = '# rpd-results-complete'


def kernel_reports(console):
    """Return (cause, line) for every kernel report line in the console log."""
    found = []
    for line in console.splitlines():
        for pat, cause in KERNEL_REPORTS:
            if pat.search(line):
                found.append((cause, line.strip()))
                break
    return found


def split_suites(results):
    """Return the list of per-suite KTAP documents between the markers, or None."""
    if BEGIN not in results or END not in results:
        return None
    body = results.split(BEGIN, 1)[1].split(END, 1)[0]
    docs = []
    for chunk in body.split('# rpd-suite ')[1:]:
        docs.append(chunk.split('\n', 1)[1] if '\n' in chunk else '')
    return docs


def merge_ktap(docs):
    """Merge per-suite KTAP documents (each 'KTAP version 1', '1..1', ..., 'ok 1 name') into
    one KTAP document with one top-level test per suite."""
    out = ['KTAP version 1', '1..%d' % len(docs)]
    for i, doc in enumerate(docs, 1):
        lines = [l.rstrip('\r') for l in doc.splitlines() if l.strip()]
        if lines[:2] == ['KTAP version 1', '1..1']:
            lines = lines[2:]
        for l in lines:
            m = re.match(r'^(ok|not ok) 1 (.*)$', l)
            out.append('%s %d %s' % (m.group(1), i, m.group(2)) if m else l)
    return '\n'.join(out) + '\n'


def run_kunit_parser(kunit_py, ktap, workdir):
    ktap_path = os.path.join(workdir, 'results.ktap')
    json_path = os.path.join(workdir, 'results.json')
    with open(ktap_path, 'w') as f:
        f.write(ktap)
    proc = subprocess.run([sys.executable, kunit_py, 'parse', ktap_path, '--json=' + json_path],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(os.path.join(workdir, 'kunit-parse.txt'), 'w') as f:
        f.write(proc.stdout)
    try:
        with open(json_path) as f:
            return proc.stdout, json.load(f)
    except (OSError, ValueError):
        return proc.stdout, None


def leaf_cases(group, prefix=''):
    """Yield (name, status) for every test case in a kunit_json group, depth first."""
    for case in group.get('test_cases', []):
        yield prefix + case['name'], case['status']
    for sub in group.get('sub_groups', []):
        yield from leaf_cases(sub, prefix + sub['name'] + '.')


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--console', required=True, help='serial console log of the guest')
    ap.add_argument('--results', required=True, help='results channel written by the guest')
    ap.add_argument('--qemu-rc', type=int, default=0, help='exit status of timeout+qemu')
    ap.add_argument('--timeout', type=int, default=0, help='the hard timeout, seconds')
    ap.add_argument('--kunit-py', required=True, help="the kernel's kunit.py")
    ap.add_argument('--workdir', default=None, help='where to keep the merged KTAP and JSON')
    ap.add_argument('--quiet', action='store_true', help="do not echo kunit.py's report")
    ap.add_argument('--expect-suites', default=None,
                    help='file listing suites that must be reported (# comments allowed)')
    args = ap.parse_args()

    def read(path):
        try:
            with open(path, errors='backslashreplace') as f:
                return f.read()
        except OSError:
            return ''

    console, results = read(args.console), read(args.results)
    workdir = args.workdir or tempfile.mkdtemp(prefix='rpd-check-')
    os.makedirs(workdir, exist_ok=True)
    problems = []

    if args.qemu_rc == 124:
        problems.append('TIMEOUT: the guest did not finish within %d s (console log: %s)'
                        % (args.timeout, args.console))
    for cause, line in kernel_reports(console):
        problems.append('%s in the kernel log: "%s" (console log: %s)'
                        % (cause, line, args.console))

    passed = failed = 0
    docs = split_suites(results)
    if docs is None:
        problems.append('NO REPORT: the guest never reported its results (results channel: %s, '
                        'console log: %s)' % (args.results, args.console))
    elif not docs:
        problems.append('NO TESTS: the guest reported no test suite (results: %s)' % args.results)
    else:
        report, data = run_kunit_parser(args.kunit_py, merge_ktap(docs), workdir)
        if not args.quiet:
            print(report, end='')
        if data is None:
            problems.append('PARSE ERROR: kunit.py could not parse the results (see %s)'
                            % os.path.join(workdir, 'kunit-parse.txt'))
        else:
            for suite in data.get('sub_groups', []):
                cases = list(leaf_cases(suite))
                ok = sum(1 for _, s in cases if s in ('PASS', 'SKIP'))
                bad = [n for n, s in cases if s not in ('PASS', 'SKIP')]
                if not cases:
                    bad = ['(suite reported no test case)']
                passed += ok
                failed += len(bad)
                print('suite %-32s %3d passed, %d failed' % (suite['name'], ok, len(bad)))
                for n in bad:
                    problems.append('FAILED TEST: %s.%s (KTAP: %s)'
                                    % (suite['name'], n, os.path.join(workdir, 'results.ktap')))
            if args.expect_suites:
                seen = {g['name'] for g in data.get('sub_groups', [])}
                for line in open(args.expect_suites):
                    name = line.split('#', 1)[0].strip()
                    if name and name not in seen:
                        failed += 1
                        problems.append('MISSING SUITE: %s was never reported (results: %s)'
                                        % (name, args.results))
            if data.get('misc', {}).get('errors'):
                problems.append('KTAP ERRORS: kunit.py reported %d parse error(s) (see %s)'
                                % (data['misc']['errors'], os.path.join(workdir, 'kunit-parse.txt')))

    for p in problems:
        print('FAIL: ' + p)
    if problems and failed == 0:
        failed = 1  # a run with problems never reports all-passed
    print('%d passed, %d failed' % (passed, failed))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
