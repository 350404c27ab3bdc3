"""Ridge regression with its penalty chosen by leave-one-out error, in
closed form: the start of the numeric wide term.

The wide term is a linear model of up to 9,996 convolution features
(``_kernels``), usually of a few hundred records. Trained from zero by the
network's optimiser, it stops where the network's budget and early stopping
say, not where its own regularisation would; MiniRocket's ridge, fitted in
closed form with its penalty chosen by leave-one-out error, did better on the
time-series suite (``benchmarks/suite.py``). So the term starts from that
ridge fit and trains on with the network.

Torch, float64, on the CPU (the features live there), knowing nothing of
scikit-learn. One eigendecomposition of the records' Gram matrix (or of the
features' covariance, whichever is smaller) gives the fit and the
leave-one-out predictions for every penalty at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

# MiniRocket's RidgeClassifierCV grid.
ALPHAS = tuple(float(a) for a in np.logspace(-3, 3, 10))


@dataclass
class RidgeFit:
    """Weights ``(n_targets, n_features)`` and intercept ``(n_targets,)`` at
    the penalty ``alpha`` with the least weighted leave-one-out squared
    error, and the leave-one-out predictions ``(n_records, n_targets)`` at
    that penalty."""

    coef: torch.Tensor
    intercept: torch.Tensor
    alpha: float
    loo: torch.Tensor


def fit_ridge_loo(features, targets, weight, alphas=ALPHAS) -> RidgeFit:
    """Minimise ``sum_i w_i |y_i - b - f_i B|^2 + alpha |B|^2`` (intercept
    unpenalised) for each ``alpha`` and keep the one with the least weighted
    leave-one-out error. Records of weight 0 take no part; with none of
    positive weight the model is zero."""
    keep = np.flatnonzero(np.asarray(weight) > 0)
    if len(keep) == 0:
        n_targets = np.asarray(targets).reshape(len(weight), -1).shape[1]
        zeros = torch.zeros(
            n_targets, np.asarray(features).shape[1], dtype=torch.float64
        )
        loo = torch.full((len(weight), n_targets), float("nan"), dtype=torch.float64)
        return RidgeFit(
            zeros, torch.zeros(n_targets, dtype=torch.float64), alphas[0], loo
        )
    F = torch.as_tensor(np.asarray(features)[keep], dtype=torch.float64)
    Y = torch.as_tensor(np.asarray(targets)[keep], dtype=torch.float64)
    Y = Y.reshape(len(keep), -1)
    w = torch.as_tensor(np.asarray(weight)[keep], dtype=torch.float64)
    share = w / w.sum()
    f_mean, y_mean = share @ F, share @ Y
    root = w.sqrt()[:, None]
    X = root * (F - f_mean)  # the weighted problem as an unweighted one
    Z = root * (Y - y_mean)
    n, p = X.shape
    if n <= p:  # the Gram matrix: n x n
        eigvals, Q = torch.linalg.eigh(X @ X.T)
        QtZ = Q.T @ Z
        rows = Q  # X = Q diag(sqrt(eigvals)) V^T: the hat matrix is Q g Q^T
    else:  # the covariance: p x p
        eigvals, V = torch.linalg.eigh(X.T @ X)
        rows = X @ V / eigvals.clamp_min(1e-12).sqrt()
        QtZ = rows.T @ Z
    eigvals = eigvals.clamp_min(0.0)
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
    if n <= p:
        coef = X.T @ (Q @ (QtZ / (eigvals + alpha)[:, None]))
    else:
        coef = V @ ((V.T @ (X.T @ Z)) / (eigvals + alpha)[:, None])
    intercept = y_mean - f_mean @ coef
    full_loo = torch.full((len(weight), Y.shape[1]), float("nan"), dtype=torch.float64)
    full_loo[torch.as_tensor(keep)] = loo
    return RidgeFit(coef.T.contiguous(), intercept, alpha, full_loo)
