"""Ridge regression with its penalty chosen by leave-one-out error, in
closed form: the start of the numeric wide term, and the regressor's refit
of it at the end of a fit.

The wide term is a linear model of up to 9,996 convolution features
(``_kernels``), usually of a few hundred records. Trained from zero by the
network's optimiser, it stops where the network's budget and early stopping
say, not where its own regularisation would; MiniRocket's ridge, fitted in
closed form with its penalty chosen by leave-one-out error, did better on the
time-series suite (``benchmarks/suite.py``). So the term starts from that
ridge fit and trains on with the network; a regressor's fit then sets it to
the ridge fit of the network's training residuals.

Torch, float64, on the CPU (the features live there), knowing nothing of
scikit-learn. One eigendecomposition of the records' Gram matrix (or of the
features' covariance, whichever is smaller) gives the fit and the
leave-one-out predictions for every penalty at once, and serves any other
targets of the same records (the refit's residuals) at the cost of products.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

# MiniRocket's RidgeClassifierCV grid.
ALPHAS = tuple(float(a) for a in np.logspace(-3, 3, 10))
# An infinite penalty: no weights, the intercept alone (the targets' mean),
# with its exact leave-one-out error. A grid ending with it can say that the
# features predict held-out records no better than the mean.
NO_TERM = float("inf")


@dataclass
class RidgeBasis:
    """One eigendecomposition of a set of records' weighted, centred
    features (of their Gram matrix, or of the covariance when that is
    smaller): with it, the ridge fit of any targets of the same records
    costs matrix products only. ``basis`` is at most records x records."""

    keep: np.ndarray  # the records of positive weight
    weight: torch.Tensor  # theirs
    f_mean: torch.Tensor  # the weighted mean of their features
    eigvals: torch.Tensor
    basis: torch.Tensor  # Q (records x records) or V (features x features)
    gram: bool  # which of the two

    def centred(self, features) -> torch.Tensor:
        """The weighted problem as an unweighted one: ``sqrt(w) (F - mean)``."""
        return _centred(_kept(features, self.keep), self.weight, self.f_mean)


def _kept(features, keep) -> torch.Tensor:
    return torch.as_tensor(np.asarray(features)[keep], dtype=torch.float64)


def _centred(F: torch.Tensor, weight: torch.Tensor, f_mean) -> torch.Tensor:
    return weight.sqrt()[:, None] * (F - f_mean)


def _decompose(features, weight):
    """``(RidgeBasis, its centred features)`` of ``features`` weighted by
    ``weight``, or None when no record has positive weight. The centred
    features stay out of the basis, which a fit holds while training: at
    the record cap they take 8 bytes x records x features."""
    keep = np.flatnonzero(np.asarray(weight) > 0)
    if len(keep) == 0:
        return None
    w = torch.as_tensor(np.asarray(weight)[keep], dtype=torch.float64)
    F = _kept(features, keep)
    f_mean = (w / w.sum()) @ F
    X = _centred(F, w, f_mean)
    gram = X.shape[0] <= X.shape[1]
    eigvals, basis = torch.linalg.eigh(X @ X.T if gram else X.T @ X)
    return RidgeBasis(keep, w, f_mean, eigvals.clamp_min(0.0), basis, gram), X


@dataclass
class RidgeFit:
    """Weights ``(n_targets, n_features)`` and intercept ``(n_targets,)`` at
    the penalty ``alpha`` with the least weighted leave-one-out squared
    error, the leave-one-out predictions ``(n_records, n_targets)`` at
    that penalty, and the decomposition it came from (None without
    records of positive weight), for more fits of the same records."""

    coef: torch.Tensor
    intercept: torch.Tensor
    alpha: float
    loo: torch.Tensor
    basis: RidgeBasis | None = None


def fit_ridge_loo(
    features, targets, weight, alphas=ALPHAS, basis: RidgeBasis | None = None
) -> RidgeFit:
    """Minimise ``sum_i w_i |y_i - b - f_i B|^2 + alpha |B|^2`` (intercept
    unpenalised) for each ``alpha`` and keep the one with the least weighted
    leave-one-out error. Records of weight 0 take no part; with none of
    positive weight the model is zero. ``basis``: the decomposition of a
    fit of these same features and weights (its ``basis``), reused."""
    if basis is not None:
        X = basis.centred(features)
    elif (decomposed := _decompose(features, weight)) is not None:
        basis, X = decomposed
    else:
        n_targets = np.asarray(targets).reshape(len(weight), -1).shape[1]
        zeros = torch.zeros(
            n_targets, np.asarray(features).shape[1], dtype=torch.float64
        )
        loo = torch.full((len(weight), n_targets), float("nan"), dtype=torch.float64)
        return RidgeFit(
            zeros, torch.zeros(n_targets, dtype=torch.float64), alphas[0], loo
        )
    keep, w, f_mean = basis.keep, basis.weight, basis.f_mean
    Y = torch.as_tensor(np.asarray(targets)[keep], dtype=torch.float64)
    Y = Y.reshape(len(keep), -1)
    share = w / w.sum()
    y_mean = share @ Y
    root = w.sqrt()[:, None]
    Z = root * (Y - y_mean)
    eigvals = basis.eigvals
    if basis.gram:  # X = Q diag(sqrt(eigvals)) V^T: the hat matrix is Q g Q^T
        rows = basis.basis
        QtZ = rows.T @ Z
    else:
        XtZ = X.T @ Z
        singular = eigvals.clamp_min(1e-12).sqrt()
        rows = X @ basis.basis / singular
        QtZ = (basis.basis.T @ XtZ) / singular[:, None]
    squared_rows = rows**2  # the same for every penalty
    best = None
    for alpha in alphas:
        gain = eigvals / (eigvals + alpha)  # shrinkage of each direction
        fitted = rows @ (gain[:, None] * QtZ)
        # The unpenalised intercept adds each record's share to its leverage.
        leverage = squared_rows @ gain + share
        # Leave-one-out residuals of the weighted problem, back in target
        # units (divided by sqrt(w)) and weighted again in the error.
        loo_residual = (Z - fitted) / (1.0 - leverage).clamp_min(1e-12)[:, None]
        loo_residual = loo_residual / root
        error = float((w[:, None] * loo_residual**2).sum())
        if best is None or error < best[0]:
            best = (error, alpha, Y - loo_residual)
    _, alpha, loo = best
    # B = X^T (X X^T + alpha I)^-1 Z, through the same eigenvectors.
    if basis.gram:
        coef = X.T @ (rows @ (QtZ / (eigvals + alpha)[:, None]))
    else:
        V = basis.basis
        coef = V @ ((V.T @ XtZ) / (eigvals + alpha)[:, None])
    intercept = y_mean - f_mean @ coef
    full_loo = torch.full((len(weight), Y.shape[1]), float("nan"), dtype=torch.float64)
    full_loo[torch.as_tensor(keep)] = loo
    return RidgeFit(coef.T.contiguous(), intercept, alpha, full_loo, basis)
