#!/usr/bin/env bash
# Mutation testing of the training core with mutmut: every one-line change
# mutmut can make to _module, _plan, _fitting, _encoding and _base is run
# against the fast tests listed in pyproject.toml ([tool.mutmut]).
#
#   bash scripts/mutation.sh                      # all five modules (hours)
#   bash scripts/mutation.sh "sklearn_rnn._plan*" # one module
#
# Results stay in mutants/ (mutmut resumes an interrupted run); the summary
# per module is printed at the end and written to mutation-report.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
python -m pip install -q "mutmut==3.8.1"
start=$(date +%s)
mutmut run --max-children "${MUTMUT_CHILDREN:-2}" "$@" || true
mutmut results --all true > mutation-results.txt || true
python - <<'PY' | tee mutation-report.txt
import collections, re
counts = collections.defaultdict(collections.Counter)
for line in open("mutation-results.txt"):
    m = re.match(r"\s*(sklearn_rnn\.\w+)\S*: (\w[\w ]*)", line)
    if m:
        counts[m.group(1)][m.group(2).strip()] += 1
total = collections.Counter()
for module, c in sorted(counts.items()):
    total.update(c)
    tried = sum(c.values()) - c["not checked"]
    print(f"{module:<24} killed {c['killed']:>4} / {tried:<4} "
          f"({c['killed'] / max(tried, 1):.0%}), survived {c['survived']}, "
          f"timeout {c['timeout']}, no tests {c['no tests']}")
tried = sum(total.values()) - total["not checked"]
print(f"{'all':<24} killed {total['killed']:>4} / {tried:<4} "
      f"({total['killed'] / max(tried, 1):.0%})")
PY
echo "took $(( $(date +%s) - start )) s"
