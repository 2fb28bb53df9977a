#!/bin/sh
# expect: not-ok
# A case that fails must turn the run red.
. /tests/lib.sh
echo "failing on purpose"
exit 1
