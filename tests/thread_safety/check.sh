#!/usr/bin/env bash
# Shows that clang's thread-safety analysis (-Wthread-safety, an error in
# hostnic's clang builds) refuses the locking mistakes planted in
# planted.cc, and accepts the same file without them:
#
#     tests/thread_safety/check.sh CLANGXX ROOT
#
# Run by ctest as thread_safety.planted. Exits 77 (a skip) without clang.
set -uo pipefail

cxx=${1:?usage: check.sh CLANGXX ROOT}
root=${2:?usage: check.sh CLANGXX ROOT}
if ! command -v "$cxx" >/dev/null; then
  echo "SKIP thread_safety.planted: $cxx not found (apt-get install clang-14)"
  exit 77
fi
src=$root/tests/thread_safety/planted.cc
# shellcheck source=tests/layers/planted.sh
source "$root/tests/layers/planted.sh"
# shellcheck disable=SC2120  # Its arguments come through expect_refused.
compile() {
  "$cxx" -std=c++17 -fsyntax-only -Wthread-safety -Werror=thread-safety \
    -I"$root/src" "$@" "$src" 2>&1
}

failed=0
# shellcheck disable=SC2119
if out=$(compile); then
  echo "ok: planted.cc without plants compiles"
else
  echo "FAIL: planted.cc without plants does not compile:"
  echo "$out"
  failed=1
fi
for plant in UNGUARDED_READ UNLOCKED_CALL EXCLUDED_CALL RELOCK WRITE_AFTER_UNLOCK; do
  expect_refused "HOSTNIC_PLANT_$plant" 'error:.*Werror,-Wthread-safety' \
    compile -DHOSTNIC_PLANT_$plant
done
exit "$failed"
