#!/usr/bin/env python3
"""statsmodels Holt-Winters under the DRS walk-forward protocol (see docs/forecasting.md).

Run with Debian's python, which has python3-statsmodels:
    /usr/bin/python3 bench/forecast/statsmodels_hw.py [--data DIR] [--out FILE] [--only NAME]

Protocol (identical to src/predict/backtest.ts):
  - series repaired like DRS does: regular step, gaps filled by linear interpolation;
    the GenAI QPS log is summed into 60-second bins aligned to the epoch (empty bin = 0);
  - train = first floor(0.8 n) points; origins o = train, train+12, ... while o + 12 <= n;
  - at every origin the model is refitted on y[0:o] (what a typical user does:
    ExponentialSmoothing(y, trend='add', seasonal='add', seasonal_periods=S).fit(), all other
    settings at their defaults: initialization_method='estimated', no damping, no Box-Cox)
    and forecasts 12 steps;
  - metrics pooled over every forecast point: MAE, RMSE, sMAPE (percent, 0-200, 0/0 = 0),
    MASE (MAE / in-sample seasonal-naive MAE of y[0:train] at lag S).
"""
import argparse
import gzip
import json
import math
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
import statsmodels
from statsmodels.tsa.holtwinters import ExponentialSmoothing

TRAIN, HORIZON, EVERY = 0.8, 12, 12
GENAI_STEP = 60

# name, relative path, kind, season (steps)
SERIES = [
    ("cpu_utilization_asg_misconfiguration", "timeseries/nab/cpu_utilization_asg_misconfiguration.csv", "csv", 288),
    ("ec2_cpu_utilization_5f5533", "timeseries/nab/ec2_cpu_utilization_5f5533.csv", "csv", 288),
    ("ec2_cpu_utilization_825cc2", "timeseries/nab/ec2_cpu_utilization_825cc2.csv", "csv", 288),
    ("ec2_network_in_257a54", "timeseries/nab/ec2_network_in_257a54.csv", "csv", 288),
    ("nyc_taxi", "timeseries/nab/nyc_taxi.csv", "csv", 48),
    ("rds_cpu_utilization_cc0c53", "timeseries/nab/rds_cpu_utilization_cc0c53.csv", "csv", 288),
    ("genai_qps", "timeseries/genai/qps.csv.gz", "events", 19),
]


def load_csv(path):
    df = pd.read_csv(path)
    t = pd.to_datetime(df["timestamp"])
    s = pd.Series(df["value"].astype(float).values, index=t)
    step = int(pd.Series(np.diff(t.values).astype("timedelta64[s]").astype(int)).median())
    s = s.asfreq(f"{step}s").interpolate("linear")
    return s.values.astype(float)


def load_events(path):
    with gzip.open(path, "rt") as fh:
        df = pd.read_csv(fh)
    b = np.floor(df["timestamp_anon"].astype(float).values / GENAI_STEP).astype(np.int64)
    b = b - b.min()
    return np.bincount(b, weights=df["value"].astype(float).values, minlength=b.max() + 1)


def smape(y, f):
    d = np.abs(y) + np.abs(f)
    e = np.abs(f - y)
    return np.where(d == 0, 0.0, 200.0 * e / np.where(d == 0, 1, d))


def run(name, y, season):
    n = len(y)
    train = int(math.floor(TRAIN * n))
    scale = float(np.mean(np.abs(y[season:train] - y[: train - season])))
    errs, sm, fit_s, fails, warns = [], [], 0.0, 0, 0
    snaive_sm = []
    o = train
    origins = 0
    while o + HORIZON <= n:
        hist, actual = y[:o], y[o:o + HORIZON]
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                m = ExponentialSmoothing(hist, trend="add", seasonal="add", seasonal_periods=season).fit()
                fc = np.asarray(m.forecast(HORIZON), dtype=float)
                if not np.all(np.isfinite(fc)):
                    raise FloatingPointError("non-finite forecast")
            except Exception as exc:  # a failed fit counts, and falls back to the last value
                fails += 1
                print(f"  {name} origin {o}: {exc}", file=sys.stderr)
                fc = np.repeat(hist[-1], HORIZON)
            warns += len(w)
        fit_s += time.perf_counter() - t0
        errs.extend(fc - actual)
        sm.extend(smape(actual, fc))
        sn = np.array([hist[o - season + (h % season)] for h in range(HORIZON)])
        snaive_sm.extend(smape(actual, sn))
        o += EVERY
        origins += 1
    e = np.asarray(errs)
    mae = float(np.mean(np.abs(e)))
    return {
        "series": name, "points": n, "season": season, "horizon": HORIZON, "origins": origins,
        "mae": mae, "rmse": float(math.sqrt(np.mean(e * e))), "smape": float(np.mean(sm)),
        "mase": mae / scale if scale > 0 else None, "fitSeconds": fit_s,
        "failedFits": fails, "warnings": warns, "seasonalNaiveSmape": float(np.mean(snaive_sm)),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("DRS_DATA_DIR", os.path.join(os.path.dirname(__file__), "../../../shared/data")))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "statsmodels-results.json"))
    ap.add_argument("--only", default=None)
    a = ap.parse_args()
    results = []
    for name, rel, kind, season in SERIES:
        if a.only and a.only != name:
            continue
        path = os.path.join(a.data, rel)
        y = load_events(path) if kind == "events" else load_csv(path)
        t0 = time.perf_counter()
        r = run(name, y, season)
        print(f"{name}: n={r['points']} S={season} sMAPE={r['smape']:.3f} (seasonal naive {r['seasonalNaiveSmape']:.3f}) "
              f"fails={r['failedFits']} warnings={r['warnings']} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        results.append(r)
    out = {
        "tool": "statsmodels.tsa.holtwinters.ExponentialSmoothing",
        "statsmodelsVersion": statsmodels.__version__,
        "settings": "trend='add', seasonal='add', seasonal_periods=S, fit() with defaults (initialization_method='estimated', damped_trend=False, use_boxcox=False); refitted at every origin",
        "protocol": {"train": TRAIN, "horizon": HORIZON, "every": EVERY, "genaiStepSeconds": GENAI_STEP, "genaiAggregation": "sum"},
        "command": "/usr/bin/python3 bench/forecast/statsmodels_hw.py",
        "results": results,
    }
    with open(a.out, "w") as fh:
        json.dump(out, fh, indent=2)
        fh.write("\n")
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
