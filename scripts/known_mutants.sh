#!/usr/bin/env bash
# The mutants that once survived the suite (issue 14), and one-line defects in
# the task code that came later (tagging, regression, next-step, streaming),
# applied one at a time to a scratch copy of the repository; each must be
# killed by the tests named. About 10 minutes on 2 cores. Run from an environment with the test extra:
#   bash scripts/known_mutants.sh
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
base="${TMPDIR:-/tmp}/known-mutants"
work="$base/w"
mkdir -p "$base"
export OMP_NUM_THREADS=1
check() {
  local name="$1" file="$2" from="$3" to="$4" tests="$5"
  rm -rf "$work" && cp -r $src "$work" && rm -rf "$work"/.venv
  python - "$work/$file" "$from" "$to" <<'PY' || { echo "$name: PATTERN NOT FOUND"; return; }
import sys
p, a, b = sys.argv[1:]
s = open(p).read()
assert a in s, a
open(p, "w").write(s.replace(a, b, 1))
PY
  (cd "$work" && PYTHONPATH="$work" timeout 600 python -m pytest -q -x -p no:cacheprovider $tests >"$base/out.txt" 2>&1)
  if [ $? -eq 0 ]; then echo "$name: SURVIVED"; else echo "$name: killed ($(grep -m1 -oE 'FAILED [^ ]+' "$base/out.txt"))"; fi
}
T=tests/test_training.py
check "dropout removed" sklearn_rnn/_module.py "if not (self.training and p):" "if True:" $T
check "alpha set to 0" sklearn_rnn/_fitting.py "optimizer__weight_decay=config.alpha," "optimizer__weight_decay=0.0," $T
check "clipping removed" sklearn_rnn/_fitting.py "torch.nn.utils.clip_grad_norm_(net.module_.parameters(), self.max_norm)" "pass" $T
check "shuffling removed" sklearn_rnn/_fitting.py "iterator_train__shuffle=config.shuffle," "iterator_train__shuffle=False," $T
check "load_best off" sklearn_rnn/_fitting.py "load_best=valid_set is not None," "load_best=False," $T
check "monitor train loss" sklearn_rnn/_fitting.py 'monitor = "valid_loss" if valid_set is not None else "train_loss"' 'monitor = "train_loss"' $T
check "split not stratified" sklearn_rnn/_tasks.py "    indices = np.arange(n_samples)
" "    indices = np.arange(n_samples)
    stratify = None
" $T
check "warm start keeps old dropout" sklearn_rnn/_base.py "        module.dropout = self.dropout
" "" $T
check "bptt never passed" sklearn_rnn/_base.py "        module.bptt_steps = self.bptt_steps
" "" $T
check "float32 CPU inference" sklearn_rnn/_inference.py 'dtype = "float64" if module.V.device.type == "cpu" else "float32"' 'dtype = "float32"' $T
check "pad steps computed (naive)" sklearn_rnn/_plan.py "active = np.searchsorted(starts, np.arange(n_steps), side=\"right\")" "active = np.full(n_steps, len(order))" "tests/test_exactness.py"
check "recurrent mask per step" sklearn_rnn/_module.py "h_in = h if mask is None else h * mask[: h.shape[0]]" "h_in = h if mask is None else self.drop(h, self.recurrent_dropout)" $T

# The task objects and what came with them.
check "tagging weights ignore sample_weight" sklearn_rnn/_tasks.py "weight = np.repeat(sample_weight[idx], records.lengths[idx])" "weight = np.ones(int(records.lengths[idx].sum()))" tests/test_tagger.py
check "regression targets not standardised" sklearn_rnn/_tasks.py "return Targets(((y2 - self.mean_) / self.scale_).astype(np.float32))" "return Targets(y2.astype(np.float32))" tests/test_regressor.py
check "next step: last step not masked" sklearn_rnn/_tasks.py "step_weight=(~last).astype(np.float32)," "step_weight=None," tests/test_transformer.py
check "per-step states in step order" sklearn_rnn/_module.py "return flat[torch.as_tensor(plan.record_major, device=flat.device)]" "return flat" tests/test_exactness.py
check "symbol dropout never applied" sklearn_rnn/_module.py "if self.training and self.symbol_dropout:" "if False:" $T
check "word dropout hits the whole bag" sklearn_rnn/_module.py "        if ids.dim() == 1 or weighted:" "        if True:" $T
check "partial_fit accepts unknown labels" sklearn_rnn/_tasks.py "        if len(unseen):" "        if False:" tests/test_partial_fit.py
