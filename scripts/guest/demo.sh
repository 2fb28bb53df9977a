#!/bin/sh
# shellcheck shell=dash
# Guest side of `make demo`: the tour of the sample modules (examples/tour.sh,
# installed as /tour.sh) on the console. Its exit status is the demo's.

echo "=== kprobe_core demo: Linux $(uname -r), $(nproc) CPUs ==="
echo
echo "\$ ls /modules"
ls /modules
echo
dmesg -c >/dev/null
MODDIR=/modules sh /tour.sh
