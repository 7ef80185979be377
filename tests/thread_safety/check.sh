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
compile() {
  "$cxx" -std=c++17 -fsyntax-only -Wthread-safety -Werror=thread-safety \
    -I"$root/src" "$@" "$src" 2>&1
}

failed=0
if out=$(compile); then
  echo "ok: planted.cc without plants compiles"
else
  echo "FAIL: planted.cc without plants does not compile:"
  echo "$out"
  failed=1
fi
for plant in UNGUARDED_READ UNLOCKED_CALL EXCLUDED_CALL RELOCK WRITE_AFTER_UNLOCK; do
  if out=$(compile -DHOSTNIC_PLANT_$plant); then
    echo "FAIL: the analysis let HOSTNIC_PLANT_$plant through"
    failed=1
  elif grep -q 'Werror,-Wthread-safety' <<<"$out"; then
    echo "ok: HOSTNIC_PLANT_$plant refused: $(grep -m1 'error:' <<<"$out")"
  else
    echo "FAIL: HOSTNIC_PLANT_$plant failed for another reason:"
    echo "$out"
    failed=1
  fi
done
exit "$failed"
