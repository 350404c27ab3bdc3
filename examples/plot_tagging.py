"""
Part-of-speech tagging
======================

:class:`~sklearn_rnn.RNNSequenceTagger` gives every word of a sentence a tag.
Here it learns the universal part-of-speech tags of the English Web Treebank
(UD release 2.16, CC BY-SA 4.0; see ``fetch_ud_treebank``'s DESCR) from its
2,001 dev sentences and tags the 2,077 test sentences. The confusion matrix,
and the list of the most frequent confusions under it, show where it errs.
"""

# %%
from collections import Counter

import matplotlib.pyplot as plt
from sklearn.metrics import ConfusionMatrixDisplay

from sklearn_rnn import RNNSequenceTagger
from sklearn_rnn.datasets import fetch_ud_treebank
from sklearn_rnn.metrics import flat_accuracy_score

# sphinx_gallery_start_ignore
# The test suite runs every example on tiny settings
# (SKLEARN_RNN_EXAMPLES_FAST=1); the hidden lines of this file shrink it there.
import os
import warnings

from sklearn.exceptions import ConvergenceWarning

FAST = os.environ.get("SKLEARN_RNN_EXAMPLES_FAST") == "1"
# The gallery fits with small fixed budgets (max_iter) so that the pages
# build fast; sklearn's warning that a budget ended is not shown on them.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
# sphinx_gallery_end_ignore

# sphinx_gallery_start_ignore
if FAST:  # offline and tiny: two toy sentences stand in for the treebank
    from sklearn.utils import Bunch

    def fetch_ud_treebank(name, split):
        sentences = [["The", "dog", "barks", "."], ["A", "cat", "sleeps", "."]]
        return Bunch(
            data=sentences * 20, target=[["DET", "NOUN", "VERB", "PUNCT"]] * 40
        )


# sphinx_gallery_end_ignore
train = fetch_ud_treebank("en_ewt", split="dev")
test = fetch_ud_treebank("en_ewt", split="test")
X_train, y_train, X_test, y_test = train.data, train.target, test.data, test.target

tagger = RNNSequenceTagger(random_state=0)
# sphinx_gallery_start_ignore
if FAST:
    tagger.set_params(max_iter=2)
# sphinx_gallery_end_ignore
tagger.fit(X_train, y_train)
predicted = tagger.predict(X_test)
print(f"token accuracy: {flat_accuracy_score(y_test, predicted):.3f}")
print(tagger.predict([["I", "saw", "her", "duck", "."]])[0])
print(tagger.predict_marginals([["Time", "flies"]])[0][1])

# %%
# The confusion matrix over all test tokens, rows normalised: the share of
# each true tag that gets each predicted tag.
flat_true = [t for s in y_test for t in s]
flat_pred = [t for s in predicted for t in s]
fig, ax = plt.subplots(figsize=(8, 7))
ConfusionMatrixDisplay.from_predictions(
    flat_true,
    flat_pred,
    labels=tagger.classes_,
    normalize="true",
    values_format=".2f",
    include_values=False,
    xticks_rotation="vertical",
    ax=ax,
)
ax.set_title("RNNSequenceTagger on EWT test (rows: true tag)")
fig.tight_layout()
plt.show()

# %%
# The most frequent errors, as (true tag, predicted tag): token counts.
errors = Counter((t, p) for t, p in zip(flat_true, flat_pred) if t != p)
for (true_tag, predicted_tag), count in errors.most_common(5):
    print(f"{true_tag:>5} tagged {predicted_tag:<5} {count:4d} tokens")
