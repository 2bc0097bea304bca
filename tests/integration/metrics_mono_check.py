#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Counters never go back: metrics_mono_check.py SCRAPE...

Each file is one GET /metrics body, in the order taken.  For every sample
whose metric name ends in "_total" and that appears in two consecutive
scrapes holding it, the later value must not be smaller.  Prints the
violations (at most 20) and a summary; exit 1 on any violation, 2 when
fewer than two scrapes or no counter could be compared."""
import re
import sys

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*_total)(\{.*\})? (\S+)')


def parse(path):
    out = {}
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = SAMPLE.match(line)
            if m:
                try:
                    out[m.group(1) + (m.group(2) or '')] = float(m.group(3))
                except ValueError:
                    pass
    return out


def main(paths):
    last = {}           # series -> (value, file)
    compared = bad = 0
    scrapes = [p for p in paths if parse(p)]
    for p in scrapes:
        cur = parse(p)
        for k, v in cur.items():
            if k in last:
                compared += 1
                if v < last[k][0]:
                    bad += 1
                    if bad <= 20:
                        print(f'BACKWARDS {k}: {last[k][0]} ({last[k][1]}) -> {v} ({p})')
            last[k] = (v, p)
    print(f'{len(scrapes)} scrapes, {len(last)} counter series, {compared} comparisons, {bad} decreases')
    if len(scrapes) < 2 or compared == 0:
        return 2
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
