"""Build sklearn_rnn/datasets/data/surnames.csv from faker's surname lists.

Run with the pinned faker (``pip install -e ".[build-data]"``):

    python scripts/make_surnames.py

The output depends only on faker's version and the constants below: names are
sorted and sampled with a fixed seed, so reruns give the same file. faker is
MIT-licensed; the licence notice is in sklearn_rnn/datasets/data/NOTICE.
"""

import csv
import importlib
import random
import re
from pathlib import Path

import faker

# faker locale -> language label
LOCALES = {
    "en_US": "English",
    "fr_FR": "French",
    "de_DE": "German",
    "it_IT": "Italian",
    "es_ES": "Spanish",
    "nl_NL": "Dutch",
    "sk_SK": "Slovak",
    "et_EE": "Estonian",
    "cs_CZ": "Czech",
    "fi_FI": "Finnish",
    "sv_SE": "Swedish",
    "hr_HR": "Croatian",
    "ga_IE": "Irish",
}
CAP_PER_LANGUAGE = 500
SEED = 0
SINGLE_WORD = re.compile(r"^[^\W\d_]{2,}$")  # letters only: no spaces, digits, dots
OUT = Path(__file__).resolve().parents[1] / "sklearn_rnn/datasets/data/surnames.csv"


def surnames_of(locale):
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    names = set()
    for attr in ("last_names", "last_names_male", "last_names_female"):
        names.update(getattr(provider, attr, ()))
    return {n for n in names if SINGLE_WORD.match(n)}


def main():
    per_language = {lang: surnames_of(loc) for loc, lang in LOCALES.items()}
    seen = {}
    for lang, names in per_language.items():
        for name in names:
            seen.setdefault(name, set()).add(lang)
    rng = random.Random(SEED)
    rows = []
    for lang, names in per_language.items():
        unique = sorted(n for n in names if len(seen[n]) == 1)  # ambiguous names out
        if len(unique) > CAP_PER_LANGUAGE:
            unique = sorted(rng.sample(unique, CAP_PER_LANGUAGE))
        rows.extend((name, lang) for name in unique)
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["surname", "language"])
        writer.writerows(rows)
    counts = {lang: sum(1 for _, lab in rows if lab == lang) for lang in per_language}
    print(f"faker {faker.VERSION}: wrote {len(rows)} names to {OUT}\n{counts}")


if __name__ == "__main__":
    main()
