#!/usr/bin/python3
"""Reference values from scikit-learn for the GP core (src/core/kernels.ts, src/core/gp.ts).

Run with Debian's python3 (scikit-learn 1.2.1):  /usr/bin/python3 scripts/make-sklearn-fixtures.py
Writes test/fixtures/sklearn/*.json; the unit tests read them and need no Python.

Mapping of our kernels onto scikit-learn:
- ours `StationaryKernel('rbf' | 'matern52', feature)`  -> RBF / Matern(nu=2.5) applied to that feature's columns
  (OnColumns below selects the columns: mixture = 0..d-1, s = d, z = d+1). theta = log lengthscale(s) in both.
- ours `ConstantKernel` (amplitude)                      -> ConstantKernel, theta = log constant_value in both.
- ours `ProductKernel([amp, mix, s, z])`                 -> amp * mix * s * z (same theta order).
- ours noise (last theta, standardised units)            -> alpha=noise with optimizer=None, or a WhiteKernel added
  last when the noise is fitted; our 'constant' mean with standardised outputs == normalize_y=True (population std).
- the Downsampling kernel has no scikit-learn counterpart: reference values come from numpy here.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Hyperparameter, Kernel, Matern, WhiteKernel

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "sklearn")

# Bounds of fitGp's hyperparameters (natural units); src/core/kernels.ts buildDefaultKernel and gp.ts.
AMPLITUDE_BOUNDS = (0.01, 100.0)
MIXTURE_LENGTHSCALE_BOUNDS = (0.005, 20.0)
FIDELITY_LENGTHSCALE_BOUNDS = (0.01, 20.0)
NOISE_BOUNDS = (1e-6, 2.0)


class OnColumns(Kernel):
    """Applies a base kernel to a subset of the input columns (hyperparameters are the base kernel's)."""

    def __init__(self, base, columns):
        self.base = base
        self.columns = columns

    def get_params(self, deep=True):
        params = dict(base=self.base, columns=self.columns)
        if deep:
            params.update(("base__" + key, value) for key, value in self.base.get_params().items())
        return params

    @property
    def hyperparameters(self):
        return [
            Hyperparameter("base__" + h.name, h.value_type, h.bounds, h.n_elements) for h in self.base.hyperparameters
        ]

    @property
    def theta(self):
        return self.base.theta

    @theta.setter
    def theta(self, theta):
        self.base.theta = theta

    @property
    def bounds(self):
        return self.base.bounds

    def __eq__(self, other):
        return type(self) is type(other) and self.base == other.base and list(self.columns) == list(other.columns)

    def __call__(self, X, Y=None, eval_gradient=False):
        X = np.asarray(X)[:, self.columns]
        Y = None if Y is None else np.asarray(Y)[:, self.columns]
        return self.base(X, Y, eval_gradient=eval_gradient)

    def diag(self, X):
        return self.base.diag(np.asarray(X)[:, self.columns])

    def is_stationary(self):
        return self.base.is_stationary()

    @property
    def requires_vector_input(self):
        return True


def downsampling(a, b, c, delta):
    """ADMIRE-BayesOpt eq. 3: c + (1-s)^(1+delta) (1-s')^(1+delta) for 1-D arrays a (n) and b (m)."""
    pa = np.power(np.maximum(0.0, 1.0 - a), 1.0 + delta)
    pb = np.power(np.maximum(0.0, 1.0 - b), 1.0 + delta)
    return c + np.outer(pa, pb)


def make_dataset(rng, n, n_test, d):
    def points(count):
        w = rng.dirichlet(np.full(d, 0.7), size=count)
        s = rng.choice([0.0, 0.35, 0.7, 1.0], size=count)
        z = rng.uniform(0.0, 1.0, size=count)
        return np.column_stack([w, s, z])

    x = points(n)
    x_test = points(n_test)
    # A smooth objective in the loss range (mean about 3, std well below 1) plus noise.
    weights = np.linspace(1.0, -1.0, d)
    f = 3.0 + 0.4 * np.sin(3.0 * x[:, :d] @ weights) - 0.5 * x[:, d] - 0.2 * x[:, d + 1] ** 2
    y = f + 0.03 * rng.standard_normal(n)
    return x, y, x_test


def mix(d):
    return list(range(d))


def kernel_cases(d):
    """(name, our spec, our theta, sklearn kernel or None, numpy function or None)."""
    ard_ls = list(np.linspace(0.3, 1.2, d))
    cases = []
    cases.append(("rbf-mixture-shared", {"factors": [{"type": "rbf", "feature": "mixture", "ard": False}]},
                  [np.log(0.7)], OnColumns(RBF(0.7), mix(d))))
    cases.append(("rbf-mixture-ard", {"factors": [{"type": "rbf", "feature": "mixture", "ard": True}]},
                  list(np.log(ard_ls)), OnColumns(RBF(ard_ls), mix(d))))
    cases.append(("matern52-mixture-shared", {"factors": [{"type": "matern52", "feature": "mixture", "ard": False}]},
                  [np.log(0.6)], OnColumns(Matern(0.6, nu=2.5), mix(d))))
    cases.append(("matern52-mixture-ard", {"factors": [{"type": "matern52", "feature": "mixture", "ard": True}]},
                  list(np.log(ard_ls)), OnColumns(Matern(ard_ls, nu=2.5), mix(d))))
    cases.append(("rbf-s", {"factors": [{"type": "rbf", "feature": "s", "ard": False}]},
                  [np.log(0.8)], OnColumns(RBF(0.8), [d])))
    cases.append(("constant", {"factors": [{"type": "constant"}]}, [np.log(1.7)], ConstantKernel(1.7)))
    full = (ConstantKernel(1.7) * OnColumns(RBF(0.7), mix(d)) * OnColumns(RBF(0.8), [d]) * OnColumns(RBF(1.3), [d + 1]))
    cases.append(("product-rbf-shared",
                  {"factors": [{"type": "constant"}, {"type": "rbf", "feature": "mixture", "ard": False},
                               {"type": "rbf", "feature": "s", "ard": False}, {"type": "rbf", "feature": "z", "ard": False}]},
                  [np.log(1.7), np.log(0.7), np.log(0.8), np.log(1.3)], full))
    full_ard = (ConstantKernel(0.9) * OnColumns(Matern(ard_ls, nu=2.5), mix(d)) * OnColumns(RBF(0.5), [d])
                * OnColumns(RBF(2.0), [d + 1]))
    cases.append(("product-matern52-ard",
                  {"factors": [{"type": "constant"}, {"type": "matern52", "feature": "mixture", "ard": True},
                               {"type": "rbf", "feature": "s", "ard": False}, {"type": "rbf", "feature": "z", "ard": False}]},
                  [np.log(0.9)] + list(np.log(ard_ls)) + [np.log(0.5), np.log(2.0)], full_ard))
    return cases


def kernel_fixtures(x, x_test, d):
    out = []
    for name, spec, theta, kernel in kernel_cases(d):
        out.append({"name": name, "spec": spec, "theta": [float(t) for t in theta],
                    "k": kernel(x).ravel().tolist(), "kCross": kernel(x_test, x).ravel().tolist(),
                    "diag": kernel.diag(x_test).tolist()})
    # Downsampling (numpy): alone on s, and in the default product with RBF over the mixture.
    c, delta = 0.3, 0.7
    ds_s = downsampling(x[:, d], x[:, d], c, delta)
    ds_s_cross = downsampling(x_test[:, d], x[:, d], c, delta)
    out.append({"name": "downsampling-s", "spec": {"factors": [{"type": "downsampling", "feature": "s"}]},
                "theta": [float(np.log(c)), float(np.log(delta))], "k": ds_s.ravel().tolist(),
                "kCross": ds_s_cross.ravel().tolist(), "diag": np.diag(downsampling(x_test[:, d], x_test[:, d], c, delta)).tolist()})
    c2, delta2 = 0.05, 2.5
    amp = 1.4
    mixture = OnColumns(RBF(0.6), mix(d))
    k_full = amp * mixture(x) * ds_s * downsampling(x[:, d + 1], x[:, d + 1], c2, delta2)
    k_cross = amp * mixture(x_test, x) * ds_s_cross * downsampling(x_test[:, d + 1], x[:, d + 1], c2, delta2)
    k_diag = amp * np.diag(downsampling(x_test[:, d], x_test[:, d], c, delta)) * np.diag(
        downsampling(x_test[:, d + 1], x_test[:, d + 1], c2, delta2))
    out.append({"name": "product-rbf-downsampling",
                "spec": {"factors": [{"type": "constant"}, {"type": "rbf", "feature": "mixture", "ard": False},
                                     {"type": "downsampling", "feature": "s"}, {"type": "downsampling", "feature": "z"}]},
                "theta": [float(np.log(amp)), float(np.log(0.6)), float(np.log(c)), float(np.log(delta)),
                          float(np.log(c2)), float(np.log(delta2))],
                "k": k_full.ravel().tolist(), "kCross": k_cross.ravel().tolist(), "diag": k_diag.tolist()})
    return out


def default_kernel(d, mixture_kernel, ard, values):
    """Our buildDefaultKernel with fidelityKernel 'rbf', as scikit-learn kernels with our bounds."""
    amplitude, mixture_ls, s_ls, z_ls = values
    base = RBF if mixture_kernel == "rbf" else (lambda ls, length_scale_bounds: Matern(ls, length_scale_bounds, nu=2.5))
    return (ConstantKernel(amplitude, AMPLITUDE_BOUNDS)
            * OnColumns(base(mixture_ls, length_scale_bounds=MIXTURE_LENGTHSCALE_BOUNDS), mix(d))
            * OnColumns(RBF(s_ls, FIDELITY_LENGTHSCALE_BOUNDS), [d])
            * OnColumns(RBF(z_ls, FIDELITY_LENGTHSCALE_BOUNDS), [d + 1]))


def gp_fixtures(x, y, x_test, d):
    out = []
    for mixture_kernel, ard in [("rbf", False), ("matern52", True)]:
        mixture_ls = list(np.linspace(0.4, 0.9, d)) if ard else 0.6
        values = (1.3, mixture_ls, 0.9, 1.6)
        noise = 0.02
        kernel = default_kernel(d, mixture_kernel, ard, values)
        fixed = GaussianProcessRegressor(kernel=kernel, alpha=noise, optimizer=None, normalize_y=True).fit(x, y)
        mean, std = fixed.predict(x_test, return_std=True)
        theta = list(kernel.theta) + [float(np.log(noise))]

        fit_kernel = default_kernel(d, mixture_kernel, ard, (1.0, list(np.full(d, 0.5)) if ard else 0.5, 0.5, 0.5)) \
            + WhiteKernel(0.05, NOISE_BOUNDS)
        fitted = GaussianProcessRegressor(kernel=fit_kernel, alpha=0.0, normalize_y=True, n_restarts_optimizer=5,
                                          random_state=0).fit(x, y)
        out.append({
            "config": {"mixtureKernel": mixture_kernel, "ard": ard, "fidelityKernel": "rbf", "mean": "constant",
                       "noiseFloor": NOISE_BOUNDS[0], "priors": False},
            "theta": [float(t) for t in theta],
            "logMarginalLikelihood": float(fixed.log_marginal_likelihood_value_),
            "posteriorMean": mean.tolist(),
            "posteriorVariance": (std ** 2).tolist(),
            "boundsLog": np.asarray(fitted.kernel_.bounds).tolist(),
            "fitted": {
                "restarts": 5,
                "logMarginalLikelihood": float(fitted.log_marginal_likelihood_value_),
                "theta": [float(t) for t in fitted.kernel_.theta],
            },
        })
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261123)
    for d, n, n_test in [(3, 30, 7), (17, 50, 9)]:
        x, y, x_test = make_dataset(rng, n, n_test, d)
        fixture = {
            "generator": "scripts/make-sklearn-fixtures.py",
            "sklearn": sklearn.__version__,
            "d": d,
            "n": n,
            "points": x.ravel().tolist(),
            "y": y.tolist(),
            "testPoints": x_test.ravel().tolist(),
            "nTest": n_test,
            "kernels": kernel_fixtures(x, x_test, d),
            "gps": gp_fixtures(x, y, x_test, d),
        }
        path = os.path.join(OUT, f"gp-d{d}-n{n}.json")
        with open(path, "w") as handle:
            json.dump(fixture, handle)
        print("wrote", os.path.relpath(path), "fitted LML",
              [round(g["fitted"]["logMarginalLikelihood"], 6) for g in fixture["gps"]])


if __name__ == "__main__":
    main()
