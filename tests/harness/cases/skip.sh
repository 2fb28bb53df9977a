#!/bin/sh
# expect: pass
# expect-ktap: ^ok 1 skip # SKIP the last SKIP line is the reason$
# A case that exits 77 is a skip, with its last "SKIP:" line as the reason.
echo "SKIP: not this one"
echo "SKIP: the last SKIP line is the reason"
exit 77
