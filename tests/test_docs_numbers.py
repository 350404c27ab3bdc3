"""Numbers the README and the docs quote from the benchmarks' results files
are the numbers in those files (a benchmark rerun that moves them fails
here until the pages follow)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "docs" / "_static"


def markdown_rows(name: str) -> dict:
    """``{first cell: [other cells]}`` of every table row of a results file."""
    rows = {}
    for line in (STATIC / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def readme_row(label: str) -> list:
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| {label} |"):
            return [c.strip() for c in line.strip().strip("|").split("|")][1:]
    raise AssertionError(f"no README row {label!r}")


def flat(path: str) -> str:
    """A page of the repository (``"README.md"``, ``"docs/tagging.rst"``)
    with its whitespace runs made single spaces, so that a quoted sentence
    matches however the page wraps it."""
    return " ".join((ROOT / path).read_text(encoding="utf-8").split())


def mean(cell: str) -> str:
    return cell.split(" ± ")[0]


@pytest.mark.parametrize(
    "readme_label, file_label",
    [
        ("`RNNSequenceTagger()`", "RNNSequenceTagger(), defaults"),
        (
            "`RNNSequenceTagger(word_lexicons=load_english_lexicons())` (Brown "
            'clusters and WordNet classes, `pip install -e ".[lexicons]"`)',
            "RNNSequenceTagger(word_lexicons=load_english_lexicons())",
        ),
        (
            "sklearn-crfsuite CRF, word/affix/shape/neighbour features",
            "sklearn-crfsuite CRF, standard features",
        ),
        ("most frequent tag of each word", "most frequent tag per word"),
    ],
)
def test_readme_tagging_rows_are_the_results_file(readme_label, file_label):
    shown = readme_row(readme_label)
    measured = markdown_rows("tagging_quality.md")[file_label]
    all_tokens = measured[0] if "± 0.0000" not in measured[0] else mean(measured[0])
    assert shown[0] == all_tokens
    assert shown[1:3] == [mean(c) for c in measured[1:3]]
    if shown[3]:
        assert shown[3] == f"{measured[3]} s"


def test_tagging_page_quotes_the_lexicons_gain_from_the_results_file():
    rows = markdown_rows("tagging_quality.md")
    plain = rows["RNNSequenceTagger(), defaults"]
    lexicons = rows["RNNSequenceTagger(word_lexicons=load_english_lexicons())"]
    text = flat("docs/tagging.rst")
    expected = (
        f"UPOS accuracy from {mean(plain[0])} to {mean(lexicons[0])}, and on "
        f"words never seen in training from {float(mean(plain[2])):.3f} to "
        f"{float(mean(lexicons[2])):.3f}"
    )
    assert expected in text


def test_tagging_page_quotes_the_span_results_file():
    rows = markdown_rows("tagging_spans.md")
    f1 = {name: float(mean(cells[2])) for name, cells in rows.items() if cells[2:]}
    invalid = mean(rows["RNNSequenceTagger(tag_scheme=None), softmax per step"][3])
    softmax = f1["RNNSequenceTagger(), softmax, BIO decoding"]
    crf = f1["RNNSequenceTagger(use_crf=True), BIO"]
    text = flat("docs/tagging.rst")
    assert f"in {float(invalid):.0f} of 2,077 test sentences" in text
    assert (
        f"keeps span F1 ({softmax:.3f} against "
        f"{f1['RNNSequenceTagger(tag_scheme=None), softmax per step']:.3f})"
    ) in text
    assert f"The CRF's span F1 is {crf - softmax:.3f} above the softmax's" in text
    crfsuite = f1["sklearn-crfsuite CRF, standard features"]
    assert f"and {crf - crfsuite:.3f} above sklearn-crfsuite's CRF" in text
    unconstrained = f1["RNNSequenceTagger(use_crf=True, tag_scheme=None)"]
    assert f"({crf:.3f} against {unconstrained:.3f})" in text
    upos = re.findall(r"\| (0\.\d{4}) ±", (STATIC / "tagging_spans.md").read_text())
    if len(set(upos)) == 1:
        assert f"the transitions add nothing ({upos[0]} either way)" in text


def test_readme_quotes_the_tagging_speed_file():
    rows = markdown_rows("tagging_speed.md")
    vectorized = {batch: cells[2] for batch, cells in rows.items() if batch.isdigit()}
    text = flat("README.md")
    assert (
        f"takes {vectorized['32']}x (batch 32) and {vectorized['256']}x "
        "(batch 256) of Falcon's packed LSTM tutorial's"
    ) in text


def test_readme_quotes_the_cpu_benchmark_file():
    text = flat("README.md")
    bench = (STATIC / "bench_cpu.md").read_text(encoding="utf-8")
    ratios = markdown_rows("bench_cpu.md")
    assert (
        f"runs an epoch in {ratios['vectorized / reference, batch 256'][0]}x "
        f"(batch 256) and {ratios['vectorized / reference, batch 32'][0]}x "
        "(batch 32) of the reference's time"
    ) in text
    sgd = float(ratios["sgd / vectorized per epoch, batch 32"][0])
    assert f"and {sgd:.0f}x faster than per-record sgd" in text
    skorch = [
        ratios[f"skorch-driven / raw torch loop, batch {b}"][0] for b in (32, 256)
    ]
    assert f"skorch's loop costs {min(skorch)}-{max(skorch)}x a raw" in text
    now = re.search(r"Ratio now / version 0.1: ([\d.]+)\.", bench).group(1)
    assert f"takes {now}x the time of version 0.1's default fit" in text
    ours = int(
        ratios["sklearn-rnn, defaults (float32, batch-invariant)"][0].replace(",", "")
    )
    recipe = re.search(r"\| seed recipe in torch \(.*?\) \| ([\d,]+) \|", bench)
    theirs = int(recipe.group(1).replace(",", ""))
    assert (
        f"runs {ours / theirs:.1f}x as fast as a hand-written torch inference" in text
    )
    assert (
        f"({round(ours, -3):,} against {round(theirs, -3):,} strings a second)" in text
    )


def test_tagging_page_quotes_the_vocabulary_benchmark():
    text = flat("docs/tagging.rst")
    rows, dense = (
        (STATIC / name).read_text(encoding="utf-8")
        for name in ("tagging_vocabulary.md", "tagging_vocabulary_dense.md")
    )
    tokens = re.search(r"x 4: ([\d,]+) tokens", rows).group(1)
    types = re.findall(r"\| (?:as is|made-up rare words) \| ([\d,]+) \|", rows)
    row_ratio = re.search(r"small, row updates \| ([\d.]+)x", rows).group(1)
    dense_ratio = re.search(r"small, dense updates \| ([\d.]+)x", dense).group(1)
    crf = re.search(r"crfsuite fit, made-up rare words \| ([\d.]+)x", rows).group(1)
    assert (
        f"on {tokens} tokens of {types[-1]} word types a token costs {row_ratio} "
        f"times what it costs among {types[0]} word types ({dense_ratio} times"
    ) in text
    assert f"a default fit takes {crf} times sklearn-crfsuite's" in text


def test_time_series_page_quotes_the_cost_line():
    suite = (STATIC / "suite.rst").read_text(encoding="utf-8")
    fit, predict = re.search(
        r"fit time ([\d.]+)x, predict time ([\d.]+)x", suite
    ).groups()
    text = flat("docs/time_series.rst")
    assert (
        f"a default fit takes {fit} times MiniRocket's time and predict {predict} times"
        in text
    )
    readme = flat("README.md")
    assert (
        f"a default fit takes {fit}x MiniRocket's time and predict {predict}x" in readme
    )


def test_changelog_quotes_the_multilabel_benchmark():
    rows = markdown_rows("multilabel.md")
    ours = mean(rows["RNNSequenceClassifier(), token lists"][0])
    ovr = rows["OneVsRestClassifier(LogisticRegression), tf-idf word 1-2-grams"][0]
    text = flat("docs/changelog.rst")
    assert f"micro-F1 {ours} against {ovr} for one-vs-rest" in text


def test_good_results_quotes_the_sentences_benchmark():
    rows = markdown_rows("sentences.md")
    f1 = {name: cells[1] for name, cells in rows.items() if name != "model"}
    text = flat("docs/good_results.rst")
    defaults = f1["RNNSequenceClassifier()"]
    assert f"The defaults' macro-F1 ({defaults}) is above" in text
    assert (
        f"tf-idf models ({f1['word 1-2 tf-idf + LinearSVC']} with ``LinearSVC``, "
        f"{f1['word 1-2 tf-idf + LR']} with ``LogisticRegression``)"
    ) in text
    assert f"character n-gram model ({f1['char 1-4 tf-idf + LR']})" in text
    word = mean(f1['RNNSequenceClassifier(analyzer="word")'])
    assert f'(``analyzer="word"``, {word}) is far below' in text
    last = mean(f1['RNNSequenceClassifier(pooling="last")'])
    assert f"({last} against {mean(defaults)})" in text
    # What the sentences say about the order of the models holds.
    value = {name: float(mean(cell)) for name, cell in f1.items()}
    assert value["word 1-2 tf-idf + LinearSVC"] < float(mean(defaults))
    assert float(mean(defaults)) < value["char 1-4 tf-idf + LR"]


def test_good_results_quotes_the_sentiment_benchmark():
    rows = markdown_rows("rt_polarity.md")
    f1 = {name: cells[1] for name, cells in rows.items() if name != "model"}
    text = flat("docs/good_results.rst")
    defaults = f1["RNNSequenceClassifier()"]
    assert f"The defaults' macro-F1 ({defaults}) is below" in text
    assert (
        f"tf-idf models ({mean(f1['word 1-2 tf-idf + LinearSVC'])} with "
        f"``LinearSVC``, {mean(f1['word 1-2 tf-idf + LR'])} with "
        "``LogisticRegression``)"
    ) in text
    assert f"character n-gram model ({mean(f1['char 1-4 tf-idf + LR'])})" in text
    value = {name: float(mean(cell)) for name, cell in f1.items()}
    assert float(mean(defaults)) < value["char 1-4 tf-idf + LR"]
    assert value["char 1-4 tf-idf + LR"] < value["word 1-2 tf-idf + LinearSVC"]


def _suite_runs(name: str) -> list:
    import json

    return json.loads((STATIC / "suite_runs" / name).read_text(encoding="utf-8"))


def test_time_series_page_quotes_the_front_end_runs():
    import numpy as np

    runs = _suite_runs("front_end.json")
    raw, conv = "wide=False", "wide=False, conv_filters=32"

    def score(name, model, column=3):
        return np.mean([r[column] for r in runs if r[0] == name and r[1] == model])

    text = flat("docs/time_series.rst")
    sets = sorted({r[0] for r in runs})
    before = np.mean([score(s, raw) for s in sets])
    after = np.mean([score(s, conv) for s in sets])
    assert f"mean accuracy from {before:.3f} to {after:.3f} in the same run" in text
    for name in ("ArrowHead", "PigCVP", "Covid3Month_disc", "ACSF1", "UnitTest"):
        assert f"{name} {score(name, raw):.3f} -> {score(name, conv):.3f}" in text or (
            f"{name} ({score(name, raw):.3f} -> {score(name, conv):.3f})" in text
        )
    for name in ("ACSF1", "PigCVP"):
        assert f"{name} {score(name, raw, 4):.1f} -> {score(name, conv, 4):.1f}" in text


def _probability_runs(name: str, model: str = "wide=False") -> list:
    return [r for r in _suite_runs(name) if r["model"] == model]


def test_network_alone_table_is_the_scripts_output(tmp_path, monkeypatch):
    import sys

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    sys.modules.pop("network_alone", None)
    import network_alone

    runs = STATIC / "suite_runs"
    out = tmp_path / "network_alone.rst"
    network_alone.main(
        [
            "--runs",
            str(runs / "probabilities.json"),
            str(runs / "probabilities_kernel_shares.json"),
            "--before",
            str(runs / "probabilities.json"),
            "--baselines",
            *(str(runs / f) for f in ("baselines.json", "check_sets.json")),
            str(runs / "generated_sets.json"),
            "--published",
            str(STATIC / "published_inceptiontime.csv"),
            "--rst",
            str(out),
        ]
    )
    committed = (STATIC / "network_alone.rst").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed


def _network_alone_runs():
    """The network alone's runs before and with the running shares, the
    defaults' runs, and the sixteen sets, in the runs' order."""
    before = _probability_runs("probabilities.json")
    now = _probability_runs("probabilities_kernel_shares.json")
    defaults = _probability_runs("probabilities.json", "defaults")
    sets = list(dict.fromkeys(r["set"] for r in now))
    assert len(sets) == 16
    return before, now, defaults, sets


def _set_mean(runs, name, key="accuracy"):
    import numpy as np

    return np.mean([r[key] for r in runs if r["set"] == name])


def test_time_series_page_quotes_the_network_alone_with_running_shares():
    import numpy as np

    text = flat("docs/time_series.rst")
    before, now, defaults, sets = _network_alone_runs()
    mean = _set_mean

    def over_sets(runs, key="accuracy"):
        return np.mean([mean(runs, s, key) for s in sets])

    assert (
        f"mean accuracy is {over_sets(now):.3f}, against {over_sets(before):.3f} before"
    ) in text
    for name in ("PigCVP", "OSULeaf", "ArrowHead", "ACSF1"):
        assert f"{mean(before, name):.3f} -> {mean(now, name):.3f}" in text
    assert (
        f"mean test log-loss {over_sets(now, 'log_loss'):.3f} against "
        f"{over_sets(before, 'log_loss'):.3f}"
    ) in text

    def above_prior(runs):
        return [
            s
            for s in sets
            if mean(runs, s, "log_loss") > mean(runs, s, "prior_log_loss")
        ]

    assert above_prior(now) == []
    assert above_prior(before) == ["ArrowHead", "Covid3Month_disc"]
    gap = over_sets(defaults) - over_sets(now)
    assert f"below the defaults by {gap:.3f} in mean accuracy" in text
    ratio = {s: mean(now, s, "fit_s") / mean(before, s, "fit_s") for s in sets}
    slowest = max(ratio, key=ratio.get)
    assert (
        f"a median {np.median(list(ratio.values())):.1f}x the time of "
        f"``kernel_shares=0`` over the sixteen sets, up to {ratio[slowest]:.1f}x on "
        f"{slowest}"
    ) in text
    # "auto" skips the sets read one step at a time, where the shares lost.
    shares = _suite_runs("kernel_shares.json")
    for name in ("ItalyPowerDemand", "JapaneseVowels"):
        with_them = np.mean([r[3] for r in shares if r[0] == name])
        same_seeds = [r for r in before if r["seed"] < 3]
        assert with_them < mean(same_seeds, name)
    prototype = _suite_runs("running_proportions.json")
    pig = {
        mode: np.mean(
            [
                r["network"]
                for r in prototype
                if r["set"] == "PigCVP"
                and r["mode"] == mode
                and r["asked_features"] == 1512
            ]
        )
        for mode in ("per-patch", "running")
    }
    assert f"PigCVP {pig['per-patch']:.2f} against {pig['running']:.2f}" in text


def _pipeline_means(runs, tasks, key):
    import numpy as np

    return np.mean([np.mean([r[key] for r in runs if r["task"] == t]) for t in tasks])


def test_time_series_page_quotes_the_transformers_pipeline_runs():
    import numpy as np

    text = flat("docs/time_series.rst")
    now = _suite_runs("pipelines_kernel_shares.json")
    filters = _suite_runs("pipelines_conv_filters.json")
    filters_quality = _suite_runs("pipelines_conv_filters_quality.json")
    both = _suite_runs("pipelines_kernel_shares_and_filters.json")
    defaults = _probability_runs("probabilities.json", "defaults")
    tasks = list(dict.fromkeys(r["task"] for r in now))
    sets, quality = tasks[:16], tasks[16:]
    assert sorted(sets) == sorted({r["task"] for r in filters})
    assert sorted(quality) == sorted({r["task"] for r in filters_quality})

    def mean(runs, task, key):
        return np.mean([r[key] for r in runs if r["task"] == task])

    ridge, lr = (_pipeline_means(now, sets, k) for k in ("ridge", "lr"))
    assert (
        f"``RidgeClassifierCV`` on the embeddings scores {ridge:.3f} and "
        f"``StandardScaler`` + ``LogisticRegression`` {lr:.3f}, against "
        f"{_pipeline_means(filters, sets, 'ridge'):.3f} and "
        f"{_pipeline_means(filters, sets, 'lr'):.3f} with the filters alone"
    ) in text
    classifier = {
        t: np.mean([r["accuracy"] for r in defaults if r["set"] == t]) for t in sets
    }
    assert f"and {np.mean(list(classifier.values())):.3f} for the classifier's" in text
    close = [
        t
        for t in sets
        if min(mean(now, t, "ridge"), mean(now, t, "lr")) >= classifier[t] - 0.02
    ]
    assert f"within 0.02 of the defaults on {len(close)} of the 16 sets" in text
    gap = {t: classifier[t] - mean(now, t, "ridge") for t in sets}
    worst = max(gap, key=gap.get)
    assert (
        f"the furthest below is {worst} (ridge {mean(now, worst, 'ridge'):.3f} "
        f"against {classifier[worst]:.3f})"
    ) in text
    pairs = [
        f"{_pipeline_means(filters_quality, quality, k):.3f} -> "
        f"{_pipeline_means(now, quality, k):.3f}"
        for k in ("ridge", "lr")
    ]
    assert f"{pairs[0]} with ridge and {pairs[1]} with the regression" in text
    sine = [mean(runs, "sine-vs-square", "ridge") for runs in (filters_quality, now)]
    assert f"sine-vs-square ({sine[0]:.3f} -> {sine[1]:.3f} with ridge)" in text
    ratio = {t: mean(now, t, "fit_s") / mean(filters, t, "fit_s") for t in sets}
    slowest = max(ratio, key=ratio.get)
    assert f"The fit takes a median {np.median(list(ratio.values())):.1f}x" in text
    assert f"(up to {ratio[slowest]:.1f}x on {slowest})" in text
    both_cost = np.median(
        [mean(both, t, "fit_s") / mean(now, t, "fit_s") for t in sets]
    )
    assert (
        f"scored no better (ridge {_pipeline_means(both, sets, 'ridge'):.3f}, "
        "``suite_runs/pipelines_kernel_shares_and_filters.json``) for a median "
        f"{both_cost:.1f}x the fit time"
    ) in text
    assert _pipeline_means(both, sets, "ridge") <= ridge
    # The README and the transformer's Notes say the same.
    readme = flat("README.md")
    assert (
        f"scores {ridge:.3f} with `RidgeClassifierCV` and {lr:.3f} with a logistic "
        f"regression (`benchmarks/pipelines.py`, three seeds; "
        f"{_pipeline_means(filters, sets, 'ridge'):.3f} and "
        f"{_pipeline_means(filters, sets, 'lr'):.3f} before), within 0.02 of the "
        f"classifier on {len(close)} of the 16 sets"
    ) in readme
    from sklearn_rnn import RNNEmbeddingTransformer

    notes = " ".join(RNNEmbeddingTransformer.__doc__.split("Notes", 1)[1].split())
    assert f"on the embeddings scores {ridge:.3f} and" in notes
    assert f"``LogisticRegression`` {lr:.3f} in mean accuracy" in notes
    assert f"within 0.02 of them on {len(close)} of the 16 sets" in notes


def test_time_series_page_quotes_the_regressor_with_running_shares():
    import numpy as np

    text = flat("docs/time_series.rst")
    runs = _suite_runs("regressor_kernel_shares.json")
    plain, shares = "wide=False", "wide=False, kernel_shares=auto"

    def r2(name, model):
        return np.mean([r[3] for r in runs if r[0] == name and r[1] == model])

    sets = list(dict.fromkeys(r[0] for r in runs))
    # "auto" reads shares only on the two sets read in patches.
    moved = [s for s in sets if r2(s, plain) != r2(s, shares)]
    assert moved == ["Covid3Month", "Tecator"]
    assert (
        f"Covid3Month's R² fell from {r2('Covid3Month', plain):.3f} to "
        f"{r2('Covid3Month', shares):.3f} and Tecator's rose from "
        f"{r2('Tecator', plain):.3f} to {r2('Tecator', shares):.3f}"
    ) in text


def test_readme_quotes_the_network_alone_with_running_shares():
    import numpy as np

    readme = flat("README.md")
    before, now, defaults, sets = _network_alone_runs()

    def over_sets(runs):
        return np.mean([_set_mean(runs, s) for s in sets])

    assert (
        f"mean accuracy {over_sets(now):.3f} against the defaults' "
        f"{over_sets(defaults):.3f} ({over_sets(before):.3f} before it read them)"
    ) in readme
    table = (STATIC / "network_alone.rst").read_text(encoding="utf-8")
    assert "on 2 of 16 sets (PLAID, Covid3Month_disc)" in table
    assert "on two sets (PLAID, Covid3Month_disc)" in readme
    ucr = re.search(r"the network alone (0\.\d{3}), InceptionTime (0\.\d{3})", table)
    assert (
        f"InceptionTime accuracy, {ucr.group(1)} too, against InceptionTime's "
        f"{ucr.group(2)}"
    ) in readme


def test_defaults_log_quotes_the_front_end_width_runs():
    import numpy as np

    wide32, wide16 = _suite_runs("front_end.json"), _suite_runs("front_end_16.json")

    def score(runs, name, model, column=3):
        return np.mean([r[column] for r in runs if r[0] == name and r[1] == model])

    sets = sorted({r[0] for r in wide16})
    narrow = np.mean([score(wide16, s, "wide=False, conv_filters=16") for s in sets])
    wider = np.mean([score(wide32, s, "wide=False, conv_filters=32") for s in sets])
    alone = np.mean([score(wide32, s, "wide=False") for s in sets])
    text = flat("docs/defaults_log.rst")
    assert (
        f"mean accuracy {narrow:.3f} against {wider:.3f} (the network alone "
        f"without filters {alone:.3f})"
    ) in text
    for name in ("ACSF1", "OSULeaf", "ArrowHead", "PLAID", "Covid3Month_disc"):
        a = score(wide16, name, "wide=False, conv_filters=16")
        b = score(wide32, name, "wide=False, conv_filters=32")
        assert f"{name} ({a:.3f} against {b:.3f})" in text
    for name in ("ACSF1", "PigCVP"):
        a = score(wide16, name, "wide=False, conv_filters=16", 4)
        b = score(wide32, name, "wide=False, conv_filters=32", 4)
        assert f"{name} {a:.1f} against {b:.1f}" in text


def test_defaults_log_quotes_the_filters_beside_the_wide_term():
    import numpy as np

    runs = _suite_runs("defaults_conv_filters.json")

    def score(name, model, column=3):
        return np.mean([r[column] for r in runs if r[0] == name and r[1] == model])

    sets = sorted({r[0] for r in runs})
    plain = np.mean([score(s, "defaults") for s in sets])
    filtered = np.mean([score(s, "conv_filters=32") for s in sets])
    cost = {s: score(s, "conv_filters=32", 4) / score(s, "defaults", 4) for s in sets}
    text = flat("docs/defaults_log.rst")
    assert f"mean accuracy {plain:.3f} -> {filtered:.3f}" in text
    for name in ("PLAID", "PickupGestureWiimoteZ", "OSULeaf", "PigCVP"):
        a, b = score(name, "defaults"), score(name, "conv_filters=32")
        assert f"{name} {a:.3f} -> {b:.3f}" in text
    slowest = max(cost, key=cost.get)
    assert (
        f"a median {np.median(list(cost.values())):.1f} times the fit time, "
        f"{cost[slowest]:.1f} times on {slowest}"
    ) in text


def test_scaling_out_quotes_the_data_parallel_runs():
    text = flat("docs/scaling_out.rst")
    measured = {k: v[1] for k, v in markdown_rows("data_parallel.md").items()}
    assert (
        f"(text: {measured['text, 64, 64']} at its batch of 64, "
        f"{measured['text, 64, 256']} at 256)"
    ) in text
    assert f"(256 units, batch 256: {measured['numbers, 256, 256']})" in text
    model = markdown_rows("data_parallel_model.md")
    slow, fast = model["10 Gb/s"], model["100 Gb/s"]
    assert f"eight give {slow[1]} on a 10 Gb/s link and {fast[1]} on 100 Gb/s" in text
    assert f"64 already less ({slow[2]}, {fast[2]}:" in text
    assert f"512 are slower than one process ({slow[3]})" in text
    assert slow[3] == fast[3]


def test_the_pages_quote_the_cost_with_numba():
    fit, predict = re.search(
        r"fit time ([\d.]+)x, predict time ([\d.]+)x",
        (STATIC / "cost_numba.md").read_text(encoding="utf-8"),
    ).groups()
    page = flat("docs/time_series.rst")
    assert f"predict takes {predict} times MiniRocket's and a fit {fit} times" in page
    readme = flat("README.md")
    assert f"predict takes {predict}x and a fit {fit}x" in readme
    performance = flat("docs/performance.rst")
    assert f"takes {predict} times MiniRocket's" in performance
    without = re.search(
        r"predict time ([\d.]+)x", (STATIC / "suite.rst").read_text(encoding="utf-8")
    ).group(1)
    assert (
        f"Without numba, on the public suite a default ``predict`` takes {without} times"
        in performance
    )
    changelog = flat("docs/changelog.rst")
    assert f"takes {predict}x MiniRocket's time instead of {without}x" in changelog


def test_transformer_docstring_quotes_the_pipeline_runs():
    """The transformer's Notes give the pipeline route's means of the
    results file and the classifier defaults' mean of the suite's page."""
    import numpy as np

    from sklearn_rnn import RNNEmbeddingTransformer

    notes = " ".join(RNNEmbeddingTransformer.__doc__.split("Notes", 1)[1].split())
    pipelines = _suite_runs("pipelines_kernel_shares.json")
    tasks = list(dict.fromkeys(r["task"] for r in pipelines))[:16]
    ridge, lr = (
        np.mean([np.mean([r[k] for r in pipelines if r["task"] == t]) for t in tasks])
        for k in ("ridge", "lr")
    )
    assert f"on the embeddings scores {ridge:.3f}" in notes
    assert f"``LogisticRegression`` {lr:.3f} in mean accuracy" in notes
    summary = (STATIC / "probabilities.rst").read_text(encoding="utf-8")
    defaults = re.search(r"^defaults: mean accuracy (0\.\d{3})", summary, re.M)
    assert f"against {defaults.group(1)} for the classifier's defaults" in notes


def test_performance_page_quotes_the_pooling_cost_run():
    import json

    run = json.loads((STATIC / "suite_runs" / "pooling_cost.json").read_text())
    rows = {r["setting"]: r for r in run["rows"]}
    defaults, parr = "surnames, defaults", "surnames, Parr's network"

    def ratio(setting, variant="concat"):
        return f"{rows[setting][variant] / rows[setting]['last']:.2f}x"

    text = flat("docs/performance.rst")
    assert (
        f'concat costs {ratio(defaults)} the epoch of ``"last"`` on '
        f"the bundled surnames and {ratio('waves, defaults')} on 1,000 ragged waves"
    ) in text
    assert f"no wide term), whose steps are cheap, {ratio(parr)}." in text
    torch_way = [ratio(s, "concat, torch's backward") for s in (defaults, parr)]
    assert f"({torch_way[0]} and {torch_way[1]} that way, in the same run)" in text
    table = markdown_rows("pooling_cost.md")
    assert table[parr][2] == ratio(parr)
    changelog = flat("docs/changelog.rst")
    assert (
        f'costs {ratio(defaults)} that of ``pooling="last"`` instead of '
        f"{torch_way[0]}, Parr's network's {ratio(parr)} instead of {torch_way[1]}"
    ) in changelog


def test_time_series_page_quotes_the_bundled_numeric_language_model_runs():
    page = flat("docs/time_series.rst")
    task = "sine-vs-square, no labels: LR"
    now, every_step = (
        markdown_rows(f"suite_runs/{name}.md")[task][0].split(" ± ")[0]
        for name in ("quality_sine_no_labels", "quality_sine_no_labels_every_step")
    )
    assert f"cost a little: {now} against {every_step} reading every step" in page


def test_quality_table_row_of_the_numeric_language_model_is_its_rerun():
    """The spliced row of quality.rst is the rerun's results file, cell by
    cell (scores, then fit seconds)."""
    task = "sine-vs-square, no labels: LR"
    rerun = markdown_rows("suite_runs/quality_sine_no_labels.md")[task]
    lines = (STATIC / "quality.rst").read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == f"* - {task}"]
    assert len(starts) == 2
    shown = [
        [lines[i + 1 + j].strip().removeprefix("- ") for j in range(len(rerun))]
        for i in starts
    ]
    scores = [re.sub(r" \([\d.]+ s\)$", "", c) for c in rerun]
    seconds = [
        m.group(1) if (m := re.search(r"\(([\d.]+) s\)$", c)) else c for c in rerun
    ]
    assert shown == [scores, seconds]


def test_unlabelled_series_embeddings_are_quoted_from_their_runs():
    """README, time-series page and changelog give the means of
    benchmarks/unsupervised.py's results files; the table included in the
    page is their rendering."""
    import numpy as np

    runs = _suite_runs("unsupervised_series.json")
    every_step = _suite_runs("unsupervised_series_every_step.json") + _suite_runs(
        "unsupervised_series_every_step_long.json"
    )
    sets = list(dict.fromkeys(r["set"] for r in runs))
    assert len(sets) == 16 and {r["set"] for r in every_step} == set(sets)

    def score(name, column, source=runs):
        return np.mean([r[column] for r in source if r["set"] == name])

    def mean(column, source=runs):
        return f"{np.mean([score(s, column, source) for s in sets]):.3f}"

    last, concat = mean("RNN, last"), mean("RNN, concat")
    stats, rocket = mean("stats"), mean("MiniRocket")
    page = flat("docs/time_series.rst")
    assert f"scores {concat} in mean accuracy over the sixteen" in page
    assert f"above summary statistics ({stats})" in page
    assert f"MiniRocket's features ({rocket})" in page
    assert f"reduced by PCA to 64 components, {mean('MiniRocket + PCA')} on" in page
    assert f"mean accuracy from {last} to {concat}" in page
    for name in ("Trace", "ArrowHead"):
        pair = f"{score(name, 'RNN, last'):.3f} -> {score(name, 'RNN, concat'):.3f}"
        assert f"{name} {pair}" in page
    for name in ("PigCVP", "PLAID"):
        pair = (
            f"{score(name, 'RNN, concat'):.3f} against {score(name, 'MiniRocket'):.3f}"
        )
        assert f"{name} {pair}" in page
    before = mean("RNN, last", every_step)
    assert f"returned the final state: {before}" in page
    assert (
        f"Reading every step with the mean and max scores {mean('RNN, concat', every_step)}"
        in page
    )
    fit = {s: score(s, "fit_s", every_step) / score(s, "fit_s") for s in sets}
    assert (
        f"for a median {np.median(list(fit.values())):.1f} times the fit time" in page
    )
    for name in ("ACSF1", "PigCVP"):
        assert (
            f"{name} {score(name, 'fit_s', every_step):.0f} s against "
            f"{score(name, 'fit_s'):.0f}"
        ) in page
    readme = flat("README.md")
    assert (
        f"scores {concat} in mean accuracy over the sixteen public classification "
        f"sets (the final state alone {last}, summary statistics {stats}, "
        f"MiniRocket's features {rocket}:"
    ) in readme
    changelog = flat("docs/changelog.rst")
    assert f"{concat} in mean accuracy over sixteen public classification sets " in (
        changelog
    )
    assert f"instead of {before}, and a fit takes a median quarter" in changelog
    assert 3.5 <= np.median(list(fit.values())) < 4.5  # "a quarter"
    table = (STATIC / "unsupervised_series.rst").read_text(encoding="utf-8")
    assert f"   * - mean\n     - {concat}\n     - {rocket}\n     - {stats}" in table
    # The text check: both readers of the surnames' embeddings.
    text = _suite_runs("unsupervised_text.json")

    def cell(column):
        values = [r[column] for r in text]
        return f"{np.mean(values):.3f} ± {np.std(values):.3f}"

    results = flat("docs/good_results.rst")
    assert (
        f"logistic regression {cell('RNN, concat')} against {cell('RNN, last')}, "
        f"k-means with 13 clusters {cell('k-means ARI, concat')} against "
        f"{cell('k-means ARI, last')}"
    ) in results


def test_k_means_figures_are_those_of_one_cluster_per_language():
    """quality.rst's k-means row is its rerun's results file; the README and
    the unlabelled-embeddings section quote benchmarks/unsupervised.py
    --text; the settings table quotes the rerun's supervised column."""
    import numpy as np

    task = "surnames, no labels: k-means ARI"
    rerun = dict(
        zip(
            ["defaults", "hidden_size=128", "baseline", "ema_decay=None", "supervised"],
            markdown_rows("suite_runs/quality_ari_13_clusters.md")[task],
        )
    )
    lines = (STATIC / "quality.rst").read_text(encoding="utf-8").splitlines()
    start = lines.index(f"   * - {task}")
    shown = [lines[start + 1 + j].strip().removeprefix("- ") for j in range(7)]
    scores = {k: re.sub(r" \([\d.]+ s\)$", "", v) for k, v in rerun.items()}
    assert shown == [
        scores["defaults"],
        "n/a",
        scores["hidden_size=128"],
        scores["baseline"],
        "n/a",
        "n/a",
        scores["ema_decay=None"],
    ]
    text = _suite_runs("unsupervised_text.json")

    def cell(column, spread=True):
        values = [r[column] for r in text]
        mean = f"{np.mean(values):.3f}"
        return f"{mean} ± {np.std(values):.3f}" if spread else mean

    assert cell("k-means ARI, last") == scores["defaults"]  # the same fits
    readme = flat("README.md")
    assert (
        f"(adjusted Rand index {cell('k-means ARI, last')} vs "
        f"{cell('k-means ARI, SVD', False)}; the scaled SVD: "
        f"{cell('k-means ARI, SVD, scaled', False)})"
    ) in readme
    page = (ROOT / "docs" / "good_results.rst").read_text(encoding="utf-8")
    assert (
        f"     - {cell('k-means ARI, last')}\n"
        f"     - {cell('k-means ARI, SVD', False)} "
        f"({cell('k-means ARI, SVD, scaled', False)} scaled)"
    ) in page
    assert (
        f"     - {cell('RNN, last')}\n     - {cell('SVD', False)} "
        f"({cell('SVD, scaled', False)} scaled)"
    ) in page
    assert f"       - {scores['supervised']}\n       - {scores['defaults']}" in page
    ratio = np.mean([r["k-means ARI, last"] for r in text]) / np.mean(
        [r["k-means ARI, SVD"] for r in text]
    )
    assert f"k-means agrees with them {ratio:.1f} times as well" in flat(
        "docs/good_results.rst"
    )


def test_defaults_log_quotes_the_language_model_trials():
    import numpy as np

    def concat(name):
        runs = _suite_runs(name)
        sets = list(dict.fromkeys(r["set"] for r in runs))
        assert len(sets) == 16
        by_set = [
            np.mean([r["RNN, concat"] for r in runs if r["set"] == s]) for s in sets
        ]
        return f"{np.mean(by_set):.3f}"

    log = flat("docs/defaults_log.rst")
    assert f"-> {concat('unsupervised_series.json')} on the same fits" in log
    assert (
        f"``hidden_size=128`` {concat('unsupervised_series_hidden_128.json')} (" in log
    )
    runs = {
        name: _suite_runs(f"unsupervised_series{name}.json")
        for name in ("", "_hidden_128")
    }
    gaps = [
        np.mean([r["RNN, concat"] for r in runs["_hidden_128"] if r["seed"] == seed])
        - np.mean([r["RNN, concat"] for r in runs[""] if r["seed"] == seed])
        for seed in (0, 1, 2)
    ]
    assert f"by {min(gaps):.3f} to {max(gaps):.3f}" in log
    sets = list(dict.fromkeys(r["set"] for r in runs[""]))
    fit = np.median(
        [
            np.mean([r["fit_s"] for r in runs["_hidden_128"] if r["set"] == s])
            / np.mean([r["fit_s"] for r in runs[""] if r["set"] == s])
            for s in sets
        ]
    )
    assert f"a median {fit:.1f} times the fit time" in log
    dropout = concat("unsupervised_series_recurrent_dropout_0.json")
    assert f"``recurrent_dropout=0`` {dropout} (" in log
