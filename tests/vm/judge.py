#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge the console logs of okvm test machines.

Each log is cut at init's OKVM-* markers: KUnit's KTAP block (between
OKVM-KUNIT-BEGIN/END in dmesg) goes through the kernel's own
tools/testing/kunit/kunit.py parse; each selftest's TAP is read here. A
kernel splat anywhere (BUG, WARNING, lockdep, KASAN, Oops, Call Trace) or a
machine that never printed OKVM-DONE is a failure. A failure in a log where
the fuzzer ran names the seeds that repeat it (a splat: the fuzz run that was
going on when the kernel printed it). The last line printed is
"N passed, N failed, N skipped".
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile

SPLATS = re.compile(r'(BUG:|WARNING:|Oops|Call Trace|Kernel panic|'
                    r'possible recursive locking|circular locking dependency|'
                    r'KASAN:|UBSAN:|general protection fault|'
                    r'INFO: task .* blocked|INFO: lockdep|suspicious RCU usage|'
                   r'detected stalls? on CPU|self-detected stall|soft lockup|hard LOCKUP)')
# The kernel's own report of a failed allocation (warn_alloc: a header, then
# a stack dump up to "</TASK>"): expected where the fuzzer injects failures.
ALLOC_FAILURE = re.compile(r'(vmalloc error:|page allocation failure:)')
FUZZ_MARK = re.compile(r'OKVM-FUZZ-(BEGIN|END) (\S+)(?: seed=(\S+))?')
FUZZ_SEED = re.compile(r'^# okvm-fuzz seed=(\S+) seconds=(\d+)')
TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')
TAP_RESULT = re.compile(r'^(not ok|ok)\s+\d+\s+(.*?)(\s+#\s+(SKIP|TODO|XFAIL)\b.*)?$')


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def add(self, name, status):
        if status == 'pass':
            self.passed += 1
        elif status == 'skip':
            self.skipped += 1
        else:
            self.failed += 1
            self.failures.append(name)


def section(lines, begin, end):
    """Lines strictly between the first line matching begin and the next matching end."""
    out, inside = [], False
    for line in lines:
        if not inside and begin(line):
            inside = True
        elif inside and end(line):
            return out
        elif inside:
            out.append(line)
    return out if inside else None


def kunit_cases(group, prefix):
    """Each case of a KUnit suite, as (name, case). kunit.py's JSON holds a
    parameterized case as a group of its runs: each run is a case here,
    named suite.case.parameter."""
    for case in group.get('test_cases', []):
        yield f"{prefix}.{case['name']}", case
    for sub in group.get('sub_groups', []):
        yield from kunit_cases(sub, f"{prefix}.{sub['name']}")


def judge_kunit(label, dmesg, kunit_py, tally):
    block = section(dmesg, lambda l: 'OKVM-KUNIT-BEGIN' in l, lambda l: 'OKVM-KUNIT-END' in l)
    ktap = [TIMESTAMP.sub('', l) for l in (block or [])]
    ktap = [l for l in ktap if not l.startswith('okvm:')]
    if not any(l.startswith('KTAP version') for l in ktap):
        print(f'{label}: kunit: no KTAP output from okvm.ko')
        tally.add(f'{label}: kunit', 'fail')
        return
    with tempfile.NamedTemporaryFile('w', suffix='.ktap') as f, \
            tempfile.NamedTemporaryFile('r', suffix='.json') as j:
        f.write('\n'.join(ktap) + '\n')
        f.flush()
        subprocess.run([sys.executable, kunit_py, 'parse', f'--json={j.name}', f.name],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        try:
            result = json.load(j)
        except ValueError:
            print(f'{label}: kunit: kunit.py could not parse the KTAP')
            tally.add(f'{label}: kunit', 'fail')
            return
    suites = result.get('sub_groups', [])
    if not suites:
        tally.add(f'{label}: kunit (no suites)', 'fail')
    for suite in suites:
        counts = {'pass': 0, 'fail': 0, 'skip': 0}
        cases = list(kunit_cases(suite, suite['name']))
        for name, case in cases:
            st = case.get('status', 'FAIL').upper()
            status = 'pass' if st == 'PASS' else 'skip' if st == 'SKIP' else 'fail'
            counts[status] += 1
            tally.add(f"{label}: kunit {name}", status)
        if not cases:
            counts['fail'] += 1
            tally.add(f"{label}: kunit {suite['name']} (no cases)", 'fail')
        print(f"{label}: kunit {suite['name']}: {counts['pass']} passed, "
              f"{counts['fail']} failed, {counts['skip']} skipped")


def flight_records(lines):
    """The OKVM-FLIGHT blocks init.sh prints after a failed test, by binary.test."""
    records, name = {}, None
    for line in lines:
        m = re.match(r'^OKVM-FLIGHT-(BEGIN|END) (\S+)$', line)
        if m:
            name = m.group(2) if m.group(1) == 'BEGIN' else None
            records.setdefault(m.group(2), [])
        elif name:
            records[name].append(line)
    return records


def judge_selftests(label, lines, tally):
    flights = flight_records(lines)
    seen = 0
    i = 0
    while i < len(lines):
        m = re.match(r'^OKVM-SELFTEST-BEGIN (\S+)$', lines[i])
        i += 1
        if not m:
            continue
        name, seen = m.group(1), seen + 1
        counts = {'pass': 0, 'fail': 0, 'skip': 0}
        rc = None
        while i < len(lines):
            line = lines[i]
            i += 1
            end = re.match(r'^OKVM-SELFTEST-END (\S+) (\d+)$', line)
            if end:
                rc = int(end.group(2))
                break
            r = TAP_RESULT.match(line)
            if r:
                status = ('fail' if r.group(1) == 'not ok' else
                          'skip' if r.group(4) == 'SKIP' else 'pass')
                counts[status] += 1
                tally.add(f'{label}: {name}.{r.group(2)}', status)
        if rc is None or (rc != 0 and counts['fail'] == 0):
            counts['fail'] += 1
            tally.add(f'{label}: {name} (exit status {rc})', 'fail')
        if sum(counts.values()) == 0:
            tally.add(f'{label}: {name} (no results)', 'fail')
        print(f"{label}: selftest {name}: {counts['pass']} passed, "
              f"{counts['fail']} failed, {counts['skip']} skipped")
        for test, events in flights.items():
            if counts['fail'] and test.startswith(name + '.'):
                print(f"{label}: {test}: okvm's last {len(events)} events "
                      "before it failed (flight recorder):")
                for event in events:
                    print(f'    {event}')
    if not seen:
        tally.add(f'{label}: selftests (none ran)', 'fail')


UPSTREAM_BEGIN = re.compile(r'^OKVM-UPSTREAM-BEGIN (\S+?):(\S+)$')
UPSTREAM_END = re.compile(r'^OKVM-UPSTREAM-END (\S+?):(\S+) (\d+) (\d+)$')
UPSTREAM_ARGS = re.compile(r'^OKVM-UPSTREAM-ARGS (\S+?):(\S+) (.*)$')
KSFT_SKIP = 4


def read_list(path):
    """A checked-in list: the first word of each line; '#' starts a comment."""
    entries = {}
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                name, _, rest = line.partition(' ')
                entries[name] = rest.strip()
    return entries


def upstream_results(lines, limit):
    """{hypervisor: {test: (status, seconds, output tail)}} from the markers."""
    results, current, tail = {}, None, []
    for line in lines:
        m = UPSTREAM_BEGIN.match(line)
        if m:
            current, tail = m.groups(), []
            continue
        m = UPSTREAM_END.match(line)
        if m and current == (m.group(1), m.group(2)):
            rc, secs = int(m.group(3)), int(m.group(4)) / 10
            status = ('pass' if rc == 0 else 'skip' if rc == KSFT_SKIP else
                      'timeout' if rc == 128 + 9 and secs >= limit - 1 else 'fail')
            results.setdefault(current[0], {})[current[1]] = (status, secs, tail)
            current = None
        elif current:
            tail.append(line)
    return results


def upstream_arguments(lines):
    """{test: the arguments init.sh ran it with (tests/upstream/arguments)}."""
    found = {}
    for line in lines:
        m = UPSTREAM_ARGS.match(line)
        if m:
            found[m.group(2)] = m.group(3)
    return found


def write_upstream_table(path, tests, okvm, kvm, arguments):
    """The results as a reStructuredText table, for Documentation/testing.rst.

    A column of arguments if any test had some, so the table says what ran.
    """
    head = ('test', 'okvm', 'kvm_amd') + (('arguments',) if arguments else ())
    rows = [(t, okvm.get(t, ('-',))[0], kvm.get(t, ('-',))[0]) +
            ((arguments.get(t, '') or '-',) if arguments else ()) for t in tests]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    rule = ' '.join('=' * w for w in widths)
    with open(path, 'w') as f:
        f.write(rule + '\n')
        f.write(' '.join(f'{h:{w}}' for h, w in zip(head, widths)).rstrip() + '\n')
        f.write(rule + '\n')
        for r in rows:
            f.write(' '.join(f'{c:{w}}' for c, w in zip(r, widths)).rstrip() + '\n')
        f.write(rule + '\n')


def judge_upstream(label, lines, args, tally):
    """Upstream KVM's selftests on okvm and kvm_amd: a table, and the lists enforced.

    A test on the expected list must pass on okvm; a test that passes on
    kvm_amd and not on okvm must be on the differences list, with its reason.
    """
    expected = read_list(args.upstream_expected)
    differences = read_list(args.upstream_differences)
    results = upstream_results(lines, args.upstream_limit)
    okvm, kvm = results.get('okvm', {}), results.get('kvm', {})
    tests = list(dict.fromkeys(list(okvm) + list(kvm)))
    if not okvm:
        tally.add(f'{label}: upstream selftests ran on okvm', 'fail')
        return
    arguments = upstream_arguments(lines)
    width = max(len(t) for t in tests)
    print(f'{label}: {"test":{width}}  {"okvm":>12}  {"kvm_amd":>12}')
    for t in tests:
        cells = []
        for res in (okvm, kvm):
            st, secs, _ = res.get(t, ('-', 0, []))
            cells.append(f'{st} {secs:.0f}s' if st != '-' else '-')
        extra = f'  ({arguments[t]})' if t in arguments else ''
        print(f'{label}: {t:{width}}  {cells[0]:>12}  {cells[1]:>12}{extra}')
    if args.upstream_table:
        write_upstream_table(args.upstream_table, tests, okvm, kvm, arguments)
    counts = {hv: {st: sum(1 for r in res.values() if r[0] == st)
                   for st in ('pass', 'fail', 'skip', 'timeout')}
              for hv, res in (('okvm', okvm), ('kvm_amd', kvm))}
    for hv, c in counts.items():
        print(f'{label}: {hv}: {c["pass"]} passed, {c["fail"]} failed, '
              f'{c["skip"]} skipped, {c["timeout"]} timed out')
    for t in tests:
        st = okvm.get(t, ('missing', 0, []))[0]
        kst = kvm.get(t, ('missing', 0, []))[0]
        name = f'{label}: okvm:{t}'
        if t in expected and st != 'pass':
            print(f'{name}: expected to pass, {st}; its output ended:')
            for l in okvm.get(t, (None, 0, []))[2]:
                print(f'  | {l}')
            tally.add(name, 'fail')
        elif st == 'pass':
            if t not in expected:
                print(f'{name}: passes now; add it to {args.upstream_expected}')
            tally.add(name, 'pass')
        elif kst == 'pass' and t not in differences:
            print(f'{name}: passes on kvm_amd, {st} on okvm, and '
                  f'{args.upstream_differences} gives no reason')
            tally.add(name, 'fail')
        else:
            tally.add(name, 'skip')
    for t in expected:
        if t not in okvm:
            tally.add(f'{label}: okvm:{t} (expected, did not run)', 'fail')


def injected_failure_reports(dmesg):
    """Lines of warn_alloc reports inside the fuzzer's fault-injection windows."""
    out, faults, report = set(), False, False
    for line in dmesg:
        if 'OKVM-FUZZ-FAULTS-BEGIN' in line:
            faults = True
        elif 'OKVM-FUZZ-FAULTS-END' in line:
            faults = False
        elif faults and ALLOC_FAILURE.search(line):
            report = True
        if report:
            out.add(line)
            report = '</TASK>' not in line
    return out


def fuzz_runs_of_splats(dmesg):
    """(hypervisor, seed) of the fuzz run going on at each splat in dmesg."""
    runs, current, expected = [], None, injected_failure_reports(dmesg)
    for line in dmesg:
        m = FUZZ_MARK.search(line)
        if m:
            current = (m.group(2), m.group(3)) if m.group(1) == 'BEGIN' else None
        elif current and SPLATS.search(line) and current not in runs and \
                line not in expected:
            runs.append(current)
    return runs


def report_fuzz_seeds(label, lines, dmesg, splatted):
    """After a failure: the seeds of the fuzz runs in this log, and how to repeat them."""
    seeds = [m.groups() for m in map(FUZZ_SEED.match, lines) if m]
    if not seeds:
        return
    for hv, seed in (fuzz_runs_of_splats(dmesg) if splatted else []):
        print(f'{label}: kernel splat while fuzzing {hv}: repeat with '
              f'make fuzz SEED={seed} HV={hv}{" KASAN=1" if label == "kasan" else ""}')
    print(f'{label}: fuzz seeds in this log: ' +
          ', '.join(f'{seed} ({secs} s)' for seed, secs in seeds))


VMM_CONFIGS = re.compile(r'^OKVM-VMM-CONFIGS (\S+) (.*)$')
VMM_RESULT = re.compile(r'^OKVM-VMM (\S+) (\S+) (PASS|FAIL) (.*)$')
VMM_DETAIL = re.compile(r'^OKVM-VMM-(CONSOLE|QEMU|MONITOR|STACK|TRACE|COMPLAINT) (\S+) (\S+) \| ')


def judge_vmm(label, lines, tally):
    """QEMU's boots of the nested guest (tools/vmm/run-in-vm.sh): one result
    per configuration it announced; a guest kernel's warning on okvm fails
    its boot too."""
    expected = []
    for l in lines:
        m = VMM_CONFIGS.match(l)
        if m:
            expected += [(m.group(1), c) for c in m.group(2).split()]
    if not expected:
        tally.add(f'{label}: QEMU boots (none announced)', 'fail')
    for l in lines:
        m = VMM_RESULT.match(l)
        if not m:
            continue
        hv, config, status, rest = m.groups()
        if (hv, config) in expected:
            expected.remove((hv, config))
        name = f'{label}: QEMU {hv} {config}'
        if status == 'FAIL':
            name += f' ({rest})'
            # The last lines of each kind (a hang's monitor dump alone is
            # longer than a console tail); complaints are printed below.
            for kind in ('CONSOLE', 'QEMU', 'MONITOR', 'STACK'):
                details = [d for d in lines if (m2 := VMM_DETAIL.match(d)) and
                           m2.group(1, 2, 3) == (kind, hv, config)]
                for d in details[-(40 if kind == 'MONITOR' else 15):]:
                    print(f'{label}: {d}')
        tally.add(name, 'pass' if status == 'PASS' else 'fail')
    complained = sorted({m.group(2, 3) for l in lines
                         if (m := VMM_DETAIL.match(l)) and m.group(1) == 'COMPLAINT'})
    for hv, config in complained:
        for l in lines:
            if l.startswith(f'OKVM-VMM-COMPLAINT {hv} {config} |'):
                print(f'{label}: {l}')
        if hv == 'okvm':
            tally.add(f'{label}: QEMU {hv} {config}: the guest kernel complained', 'fail')
    for hv, config in expected:
        tally.add(f'{label}: QEMU {hv} {config} (no result)', 'fail')


def splat_context(lines, splat):
    """What was running when @splat first reached the console: the last marker before it."""
    for l in reversed(lines[:lines.index(splat)]):
        for marker in ('OKVM-SELFTEST-BEGIN ', 'OKVM-UPSTREAM-BEGIN '):
            if l.startswith(marker):
                return l[len(marker):].split()[0]
        if 'OKVM-KUNIT-BEGIN' in l:
            return 'KUnit'
    return 'boot'


def judge_log(label, path, kunit_py, tally, args=None):
    with open(path, errors='replace') as f:
        lines = [l.rstrip('\n') for l in f]
    failed_before = tally.failed
    if not any(l.strip() == 'OKVM-DONE' for l in lines):
        print(f'{label}: the machine never reached OKVM-DONE; console tail:')
        for l in lines[-30:]:
            print(f'  | {l}')
        tally.add(f'{label}: machine finished', 'fail')
    dmesg = section(lines, lambda l: l == 'OKVM-DMESG-BEGIN', lambda l: l == 'OKVM-DMESG-END') or []
    in_dmesg = set(dmesg)
    expected = injected_failure_reports(dmesg)
    splats = [l for l in lines if SPLATS.search(l) and l not in expected and
              (TIMESTAMP.match(l) or l in in_dmesg)]
    for l in splats[:20]:
        print(f'{label}: kernel: {l}')
    # The first splat and where it came, in the name: CI shows the tail only.
    name = f'{label}: kernel log free of splats'
    if splats:
        name += f' (first, during {splat_context(lines, splats[0])}: ' \
                f'{TIMESTAMP.sub("", splats[0]).strip()[:160]})'
    tally.add(name, 'fail' if splats else 'pass')
    if kunit_py:
        judge_kunit(label, dmesg, kunit_py, tally)
    if args and label in args.upstream:
        judge_upstream(label, lines, args, tally)
    elif args and label in args.vmm:
        judge_vmm(label, lines, tally)
    else:
        judge_selftests(label, lines, tally)
    if tally.failed > failed_before:
        report_fuzz_seeds(label, lines, dmesg, bool(splats))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--log', nargs=2, action='append', metavar=('LABEL', 'FILE'),
                    required=True, help='a console log to judge')
    ap.add_argument('--kunit', action='append', default=[], metavar='LABEL',
                    help='this log must hold okvm KUnit results')
    ap.add_argument('--kunit-py', required=True, help="the kernel's kunit.py")
    ap.add_argument('--result', nargs=2, action='append', default=[],
                    metavar=('NAME', 'STATUS'), help='a check run elsewhere: pass or fail')
    ap.add_argument('--upstream', action='append', default=[], metavar='LABEL',
                    help="this log holds upstream KVM's selftests")
    ap.add_argument('--upstream-expected', metavar='FILE',
                    help='the upstream tests that must pass on okvm')
    ap.add_argument('--upstream-differences', metavar='FILE',
                    help='why an upstream test that passes on kvm_amd fails on okvm')
    ap.add_argument('--upstream-table', metavar='FILE',
                    help='write the upstream results there as an RST table')
    ap.add_argument('--vmm', action='append', default=[], metavar='LABEL',
                    help='this log holds QEMU\'s boots of a nested guest')
    ap.add_argument('--upstream-limit', type=int, default=30, metavar='SECONDS',
                    help="each upstream test's time limit")
    args = ap.parse_args()

    tally = Tally()
    for name, status in args.result:
        print(f'check: {name}: {status}')
        tally.add(name, 'pass' if status == 'pass' else 'fail')
    for label, path in args.log:
        judge_log(label, path, args.kunit_py if label in args.kunit else None, tally, args)
    for name in tally.failures:
        print(f'FAILED: {name}')
    print(f'{tally.passed} passed, {tally.failed} failed, {tally.skipped} skipped')
    return 1 if tally.failed else 0


if __name__ == '__main__':
    sys.exit(main())
