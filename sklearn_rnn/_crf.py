"""A linear-chain CRF over the tagger's per-step scores (Lample et al. 2016).

The network gives each step ``t`` of a record a score ``e_t[k]`` for every tag
``k`` (its emissions, ``V h_t + c``); the CRF adds learned transition scores:
``start[k]`` for the first tag, ``transitions[i, j]`` for tag ``j`` after tag
``i``, ``end[k]`` for the last. A tag sequence ``y`` scores

    s(y) = start[y_1] + sum_t e_t[y_t] + sum_t transitions[y_{t-1}, y_t] + end[y_T]

and has probability ``exp(s(y)) / Z``, ``Z`` summing over every sequence (the
forward algorithm). Training minimises ``log Z - s(y)``; prediction takes the
best sequence (Viterbi); the marginal of tag ``k`` at step ``t`` comes from the
forward and backward sums.

Batches are padded to the longest record with a mask: a pad step leaves every
sum unchanged (its alpha carries the last real one), so a record's result is
the same alone or padded in a batch. Plain torch; knows nothing of
scikit-learn.
"""

from __future__ import annotations

import numpy as np
import torch


def padded_steps(flat: torch.Tensor, lengths) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows of consecutive records (``flat``, ``(sum(lengths), K)``) laid out
    as ``(n_records, longest, K)`` with a ``(n_records, longest)`` mask of
    the real steps. Pad rows hold zeros."""
    lengths = np.asarray(lengths, dtype=np.int64)
    n, longest = len(lengths), int(lengths.max(initial=0))
    mask = torch.as_tensor(np.arange(longest)[None, :] < lengths[:, None])
    padded = flat.new_zeros((n, longest, flat.shape[-1]))
    padded = padded.masked_scatter(mask[..., None].to(flat.device), flat)
    return padded, mask.to(flat.device)


def flat_steps(padded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The real steps of ``padded`` back in flat order (inverse of
    :func:`padded_steps`)."""
    return padded[mask]


def sequence_score(emissions, tags, mask, start, transitions, end) -> torch.Tensor:
    """``s(y)`` of each record's tags ``(n, T)`` (pads ignored), shape ``(n,)``.
    Records need at least one step."""
    n, T, _ = emissions.shape
    rows = torch.arange(n, device=emissions.device)
    real = mask.to(emissions.dtype)
    score = start[tags[:, 0]] + (
        emissions.gather(2, tags[..., None])[..., 0] * real
    ).sum(1)
    if T > 1:
        # where, not a product with the mask: a pad's pair may be a forbidden
        # one (-inf, see ``constrain``), and -inf * 0 is nan.
        pairs = transitions[tags[:, :-1], tags[:, 1:]]
        score = score + torch.where(mask[:, 1:], pairs, 0.0).sum(1)
    last = tags[rows, mask.sum(1) - 1]
    return score + end[last]


def constrain(scores, allowed):
    """``(start, transitions, end)`` with the pairs that ``allowed`` (boolean
    arrays of the same shapes, or None) forbids set to -inf: no path through
    them has any probability, whatever the learned scores, and they pass no
    gradient back."""
    if allowed is None:
        return tuple(scores)
    return tuple(
        s.masked_fill(~torch.as_tensor(a, device=s.device), float("-inf"))
        for s, a in zip(scores, allowed)
    )


def forward_scores(emissions, mask, start, transitions):
    """Forward log-sums ``alpha_t[k]`` (``(n, T, K)``): of every tag path up to
    step ``t`` that ends in ``k``. At pad steps alpha keeps its last real
    value."""
    alpha = start + emissions[:, 0]
    alphas = [alpha]
    for t in range(1, emissions.shape[1]):
        step = torch.logsumexp(
            alpha[:, :, None] + transitions[None] + emissions[:, t, None, :], dim=1
        )
        alpha = torch.where(mask[:, t, None], step, alpha)
        alphas.append(alpha)
    return torch.stack(alphas, 1)


def log_partition(emissions, mask, start, transitions, end) -> torch.Tensor:
    """``log Z`` of each record, shape ``(n,)``."""
    alpha = forward_scores(emissions, mask, start, transitions)[:, -1]
    return torch.logsumexp(alpha + end, dim=1)


def negative_log_likelihood(emissions, tags, mask, start, transitions, end):
    """``log Z - s(y)`` of each record, shape ``(n,)``."""
    return log_partition(emissions, mask, start, transitions, end) - sequence_score(
        emissions, tags, mask, start, transitions, end
    )


def marginals(emissions, mask, start, transitions, end) -> torch.Tensor:
    """``P(y_t = k | x)`` at every step, ``(n, T, K)`` (pad steps: undefined)."""
    alphas = forward_scores(emissions, mask, start, transitions)
    n, T, K = emissions.shape
    beta = end.expand(n, K)
    betas = [beta]
    for t in range(T - 2, -1, -1):
        step = torch.logsumexp(
            transitions[None] + (emissions[:, t + 1] + beta)[:, None, :], dim=2
        )
        # Until a record's last real step, beta is the end score.
        beta = torch.where(mask[:, t + 1, None], step, end.expand(n, K))
        betas.append(beta)
    betas = torch.stack(betas[::-1], 1)
    log_z = torch.logsumexp(alphas[:, -1] + end, dim=1)
    return torch.exp(alphas + betas - log_z[:, None, None])


def viterbi(emissions, mask, start, transitions, end) -> torch.Tensor:
    """The best tag sequence of each record, ``(n, T)`` (pad steps: the last
    real tag)."""
    n, T, _ = emissions.shape
    score = start + emissions[:, 0]
    pointers = []
    for t in range(1, T):
        candidates = score[:, :, None] + transitions[None]
        best, previous = candidates.max(dim=1)
        step = best + emissions[:, t]
        score = torch.where(mask[:, t, None], step, score)
        pointers.append(previous)
    current = (score + end).argmax(dim=1)
    lengths = mask.sum(1)
    path = [current]
    for t in range(T - 1, 0, -1):
        previous = pointers[t - 1].gather(1, current[:, None])[:, 0]
        current = torch.where(t < lengths, previous, current)
        path.append(current)
    return torch.stack(path[::-1], 1)
