#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Reserve 2 MiB hugepages for ringbox-dataplane and mount hugetlbfs.
#   RINGBOX_HUGEPAGES   pages to reserve (default 512 = 1 GiB)
#   RINGBOX_HUGE_MOUNT  mount point (default /dev/hugepages)
# Per-NUMA-node reservation is used when the node directories exist.
set -eu
PAGES=${RINGBOX_HUGEPAGES:-512}
MNT=${RINGBOX_HUGE_MOUNT:-/dev/hugepages}

case $PAGES in ''|*[!0-9]*) echo "hugepages.sh: RINGBOX_HUGEPAGES must be a number" >&2; exit 2;; esac

nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null || true)
if [ -n "$nodes" ] && [ "$(echo "$nodes" | wc -l)" -gt 1 ]; then
	n=$(echo "$nodes" | wc -l)
	per=$(( (PAGES + n - 1) / n ))
	for d in $nodes; do
		echo "$per" > "$d/hugepages/hugepages-2048kB/nr_hugepages"
	done
else
	echo "$PAGES" > /proc/sys/vm/nr_hugepages
fi
got=$(cat /proc/sys/vm/nr_hugepages)
if [ "$got" -lt "$PAGES" ]; then
	echo "hugepages.sh: only $got of $PAGES hugepages reserved (memory fragmented?)" >&2
fi
mkdir -p "$MNT"
if ! grep -qs " $MNT hugetlbfs " /proc/mounts; then
	mount -t hugetlbfs -o pagesize=2M,mode=0700 nodev "$MNT"
fi
echo "hugepages.sh: $got x 2 MiB pages, hugetlbfs on $MNT"
