# shellcheck shell=bash disable=SC2034  # failed is the sourcing script's.
# What the checks that plant a mistake share (sourced by
# check_include_paths.sh and tests/thread_safety/check.sh).

# expect_refused WHAT PATTERN COMMAND...: COMMAND, a compile with a mistake
# planted, must fail with an error matching PATTERN (ERE). Prints "ok: WHAT
# refused: ERROR" or "FAIL: ..." and then sets failed=1.
expect_refused() {
  local what=$1 pattern=$2 out
  shift 2
  if out=$("$@"); then
    echo "FAIL: $what compiles"
    failed=1
  elif grep -qE "$pattern" <<<"$out"; then
    echo "ok: $what refused: $(grep -m1 -E "$pattern" <<<"$out" | sed 's#.*error: ##')"
  else
    echo "FAIL: $what failed for another reason:"
    echo "$out" | head -20
    failed=1
  fi
}
