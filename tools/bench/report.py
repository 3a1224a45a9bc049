#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the console logs of the `make bench` boots into the benchmark table.

tools/bench/run-in-vm.sh prints every result as
    OKVM-BENCH <okvm|kvm_amd|floor> <round> RESULT <metric> <value> <unit> <better>
This prints, per benchmark, the median, min and max over the rounds for
okvm and for kvm_amd, their ratio, and the floor (the same work without a
VM) where there is one. Rows of benchmarks that do not exist yet say n/a.
The second boot is QEMU's (tools/vmm/run-in-vm.sh): the time from QEMU's
start to the first line of its Linux guest's init.
"""
import argparse
import re
import statistics
import sys

RESULT = re.compile(r'OKVM-BENCH (\S+) (\d+) RESULT (\S+) (\S+) (\S+) (lower|higher)')
FAILED = re.compile(r'OKVM-BENCH (\S+) (\d+) FAILED (.*)')
# A kernel splat during the run makes its numbers suspect.
SPLAT = re.compile(r'(BUG:|WARNING:|Oops|Call Trace)')

# (issue number, label, metric, floor metric); metric None: not built yet.
ROWS = [
    ('1', 'exit round trip (OUT to userspace)', 'exit_io', None),
    ('2', 'in-kernel exit (CPUID)', 'cpuid', None),
    ('3', 'demand paging 4K, 1 vCPU', 'fault_4k_1vcpu', 'floor_fault_4k_1vcpu'),
    ('3', 'demand paging 4K, 2 vCPUs', 'fault_4k_2vcpu', 'floor_fault_4k_2vcpu'),
    ('4', 'demand paging THP, 1 vCPU', 'fault_thp_1vcpu', 'floor_fault_thp_1vcpu'),
    ('5', 'MADV_DONTNEED of mapped region', 'dontneed_mapped', 'floor_dontneed'),
    ('5', 'refault after MADV_DONTNEED', 'refault_4k', None),
    ('6', 'memslot add+delete, no vCPU running', 'churn_idle', None),
    ('6', 'memslot add+delete, 1 vCPU running', 'churn_running', None),
    ('7', 'delete 1G slot, 16 pages mapped', 'zap_sparse_1g', None),
    ('7', 'delete 64G slot, 16 pages mapped', 'zap_sparse_64g', None),
    ('8', 'dirty log cycle, 16 MiB written', 'dirty_log_cycle', None),
    ('9', 'LAPIC timer interrupt, one-shot 1 us', 'apic_timer', None),
    ('10', 'IPI round trip, 2 vCPUs', 'ipi_roundtrip', None),
    ('11', 'APICv inhibit+uninhibit, 64 MiB mapped', 'apicv_cycle_64m', None),
    ('11', 'APICv inhibit+uninhibit, 1 GiB mapped', 'apicv_cycle_1g', None),
    ('12', 'kvmclock update (KVM_SET_CLOCK, record)', 'kvmclock_update', None),
    ('12', 'guest kvmclock read', 'kvmclock_read', None),
    ('13', 'QEMU: Linux guest to its init, 2 vCPUs', 'linux_boot_on-2', None),
]
# Metrics kvm_amd has no counterpart for: okvm's own knobs.
OKVM_ONLY = {'apicv_cycle_64m', 'apicv_cycle_1g'}


def number(value):
    """A value with three significant digits, without exponent notation."""
    if value >= 100:
        return f'{value:.0f}'
    if value >= 10:
        return f'{value:.1f}'
    return f'{value:.2f}'


def spread(values):
    if not values:
        return 'missing'
    return (f'{number(statistics.median(values))} '
            f'[{number(min(values))}-{number(max(values))}]')


def verdict(okvm, kvm, better):
    """How much faster or slower okvm is, from the medians."""
    if not okvm or not kvm:
        return ''
    speedup = (statistics.median(kvm) / statistics.median(okvm) if better == 'lower'
               else statistics.median(okvm) / statistics.median(kvm))
    if speedup >= 1:
        return f'okvm {speedup:.2f}x faster'
    return f'okvm {1 / speedup:.2f}x slower'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('log', nargs='+', help='console logs of the bench boots')
    parser.add_argument('--title', default='', help='first line of the report')
    args = parser.parse_args()

    values = {}
    units = {}
    failures = []
    rounds = set()
    for path in args.log:
        with open(path, errors='replace') as log:
            lines = log.readlines()
        for line in lines:
            match = RESULT.search(line)
            if match:
                label, round_, metric, value, unit, better = match.groups()
                values.setdefault((label, metric), []).append(float(value))
                units[metric] = (unit, better)
                rounds.add(int(round_))
                continue
            match = FAILED.search(line)
            if match:
                failures.append(' '.join(match.groups()))
            elif SPLAT.search(line) and not line.startswith('OKVM-VMM-'):
                # (OKVM-VMM-* lines are the nested guests' consoles, not the machine's.)
                failures.append('kernel: ' + line.strip())

    header = ('#', 'benchmark', 'unit', 'okvm median [min-max]',
              'kvm_amd median [min-max]', 'okvm/kvm_amd', 'verdict', 'floor (no VM)')
    table = [header]
    for number_, label, metric, floor in ROWS:
        if metric is None:
            table.append((number_, label, '', 'n/a', 'n/a', 'n/a', 'not built yet', ''))
            continue
        unit, better = units.get(metric, (None, 'lower'))
        okvm = values.get(('okvm', metric), [])
        kvm = values.get(('kvm_amd', metric), [])
        ratio = (f'{statistics.median(okvm) / statistics.median(kvm):.2f}'
                 if okvm and kvm else 'n/a')
        floor_text = spread(values.get(('floor', floor), [])) if floor else ''
        unit_text = f'{unit} ({better} is better)' if unit else ''
        kvm_text = 'n/a (okvm only)' if metric in OKVM_ONLY else spread(kvm)
        table.append((number_, label, unit_text, spread(okvm),
                      kvm_text, ratio, verdict(okvm, kvm, better), floor_text))

    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    if args.title:
        lines.append(args.title)
    lines.append(f'rounds (okvm/kvm_amd pairs): {len(rounds)}')
    for i, row in enumerate(table):
        lines.append('  '.join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if i == 0:
            lines.append('  '.join('-' * width for width in widths))
    for failure in failures:
        lines.append(f'FAILED: {failure}')
    print('\n'.join(lines))
    return 1 if failures or not rounds else 0


if __name__ == '__main__':
    sys.exit(main())
