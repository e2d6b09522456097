"""
The numpy anchor of `npm run bench -- consensus`: the same Yuma1 epoch as the bench's float64
reference (stake -> active stake -> masked, row-normalized weights -> stake-weighted median per
column (kappa) -> clip -> ranks/incentive -> column-normalized bonds EMA -> dividends -> emission),
vectorised over dense n x n float64 matrices, the way Python Yuma simulations write it.

Reads a JSON file of epoch inputs (the bench's shape) and prints, per input, the median wall and
CPU milliseconds of one epoch (matrices are built before timing), as JSON lines.
"""
import json
import sys
import time

import numpy as np


def prepare(x):
    n = x["n"]
    W = np.zeros((n, n))
    B = np.zeros((n, n))
    for i, row in enumerate(x["weights"]):
        for j, w in row:
            W[i, j] = w
    for i, row in enumerate(x["bonds"]):
        for j, b in row:
            B[i, j] = b
    return {
        "W": W,
        "B": B,
        "stake": np.array([float(s) for s in x["alpha_stake"]]),
        "last_update": np.array(x["last_update"], dtype=np.float64),
        "reg": np.array(x["block_at_registration"], dtype=np.float64),
        "permit": np.array(x["validator_permit"], dtype=bool),
        "block": float(x["current_block"]),
        "cutoff": float(x["activity_cutoff_blocks"]),
        "kappa": x["kappa"] / 65535.0,
        "alpha": 1.0 - float(x["bonds_moving_average"]) / 1e6,
    }


def safe_div(a, b):
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def epoch(p):
    n = p["W"].shape[0]
    S = p["stake"] / p["stake"].sum()
    active = ~(p["last_update"] + p["cutoff"] < p["block"])
    A = S * active * p["permit"]
    A = A / A.sum() if A.sum() > 0 else A
    # weights: permitted rows, no self weight, drop outdated (last_update_i <= reg_j), row-normalize
    keep = p["permit"][:, None] & (p["last_update"][:, None] > p["reg"][None, :])
    np.fill_diagonal(keep, False)
    W = np.where(keep, p["W"], 0.0)
    W = safe_div(W, W.sum(axis=1, keepdims=True))
    # consensus: per column, the weight where the cumulative stake (highest weights first) passes kappa
    use = A > 0
    Wu = W[use]
    Au = A[use]
    order = np.argsort(-Wu, axis=0, kind="stable")
    Ws = np.take_along_axis(Wu, order, axis=0)
    cum = np.cumsum(Au[order], axis=0)
    hit = cum > p["kappa"]
    first = np.argmax(hit, axis=0)
    C = np.where(hit.any(axis=0), Ws[first, np.arange(n)], 0.0)
    # clip, ranks, incentive
    clipped = np.minimum(W, C[None, :])
    R = A @ clipped
    I = R / R.sum() if R.sum() > 0 else R
    # bonds: column-normalized stored bonds and delta, EMA, column-normalized, dividends
    Bn = safe_div(p["B"], p["B"].sum(axis=0, keepdims=True))
    dB = clipped * A[:, None]
    dB = safe_div(dB, dB.sum(axis=0, keepdims=True))
    ema = p["alpha"] * dB + (1 - p["alpha"]) * Bn
    ema = safe_div(ema, ema.sum(axis=0, keepdims=True))
    D = ema @ I
    D = D / D.sum() if D.sum() > 0 else D
    return (I + D) / 2


def main():
    inputs = json.load(open(sys.argv[1]))
    min_ms = float(sys.argv[2]) if len(sys.argv) > 2 else 2000
    for x in inputs:
        p = prepare(x)
        epoch(p)  # warm
        n = p["W"].shape[0]
        inner = 20 if n <= 256 else 2 if n <= 1024 else 1
        walls, cpus = [], []
        start = time.perf_counter()
        while len(walls) < 3 or (time.perf_counter() - start) * 1000 < min_ms and len(walls) < 9:
            c0 = time.process_time()
            t0 = time.perf_counter()
            for _ in range(inner):
                epoch(p)
            walls.append((time.perf_counter() - t0) * 1000 / inner)
            cpus.append((time.process_time() - c0) * 1000 / inner)
        walls.sort()
        cpus.sort()
        print(json.dumps({"n": n, "wall": walls[len(walls) // 2], "cpu": cpus[len(cpus) // 2], "numpy": np.__version__}), flush=True)


if __name__ == "__main__":
    main()
