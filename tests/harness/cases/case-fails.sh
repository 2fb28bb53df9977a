#!/bin/sh
# expect: not-ok
# expect-ktap: ^not ok 1 case-fails$
# A case that fails must turn the run red.
. /tests/lib.sh
echo "failing on purpose"
exit 1
