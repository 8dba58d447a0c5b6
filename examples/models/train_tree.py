"""Trains a gradient-boosted tree model on an `export features` file and writes it as ONNX for tickreplay.

    python3 -m venv .venv && .venv/bin/pip install numpy onnx onnxruntime scikit-learn
    .venv/bin/python examples/models/train_tree.py --features-csv ml_training/october.csv \
        --features close,spread_bps,vwap_deviation_bps,rsi_14,bb_zscore_20 --horizon 5 --out ml_training/gbt.onnx

The trees are written as ONNX's TreeEnsembleRegressor (domain ai.onnx.ml) by the few lines below, from
scikit-learn's fitted trees: skl2onnx does the same for more model kinds, where it is installed. The
graph takes one float32 tensor [batch, n], the features in the order given (also written to the file's
metadata property `features`, with the training window), and gives the predicted forward log return.

--record FILE writes, for the rows of FILE (an export features CSV), the features and the prediction
Python's ONNX Runtime gives: the tests check that tickreplay gives the same. --synthetic N trains on N
random rows instead of a file (the committed test model: tree5.onnx, tree5_predictions.csv).
"""
import argparse
import csv
import math
import os

import numpy as np
import onnx
from onnx import TensorProto, helper
from sklearn.ensemble import GradientBoostingRegressor


def read_rows(path, features, horizon):
    label = "fwd_log_return_%d" % horizon
    xs, ys, ts = [], [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            values = [row.get(name, "") for name in features]
            if any(v == "" for v in values) or row.get(label, "") == "":
                continue  # a null feature or label: not a training row (tickreplay makes no prediction for it either)
            xs.append([float(v) for v in values])
            ys.append(float(row[label]))
            ts.append(row["ts"])
    return np.array(xs, dtype=np.float32), np.array(ys), ts


def to_onnx(model, features, training_start, training_end):
    attrs = {k: [] for k in ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_modes", "nodes_values",
                             "nodes_truenodeids", "nodes_falsenodeids", "target_treeids", "target_nodeids", "target_ids",
                             "target_weights")}
    for t, estimator in enumerate(model.estimators_[:, 0]):
        tree = estimator.tree_
        for n in range(tree.node_count):
            leaf = tree.children_left[n] == -1
            attrs["nodes_treeids"].append(t)
            attrs["nodes_nodeids"].append(n)
            attrs["nodes_featureids"].append(0 if leaf else int(tree.feature[n]))
            attrs["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")  # scikit-learn goes left when x <= threshold
            attrs["nodes_values"].append(0.0 if leaf else float(tree.threshold[n]))
            attrs["nodes_truenodeids"].append(0 if leaf else int(tree.children_left[n]))
            attrs["nodes_falsenodeids"].append(0 if leaf else int(tree.children_right[n]))
            if leaf:
                attrs["target_treeids"].append(t)
                attrs["target_nodeids"].append(n)
                attrs["target_ids"].append(0)
                attrs["target_weights"].append(float(tree.value[n][0][0]) * model.learning_rate)
    base = float(model.init_.constant_[0][0]) if hasattr(model.init_, "constant_") else float(np.mean(model.init_.predict(np.zeros((1, len(features))))))
    node = helper.make_node("TreeEnsembleRegressor", ["features"], ["prediction"], domain="ai.onnx.ml", n_targets=1,
                            aggregate_function="SUM", base_values=[base], **attrs)
    graph = helper.make_graph([node], "tickreplay_gbt",
                              [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", len(features)])],
                              [helper.make_tensor_value_info("prediction", TensorProto.FLOAT, ["batch", 1])])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 3)],
                          producer_name="tickreplay-examples")
    m.ir_version = 8
    m.model_version = 1
    for k, v in (("features", ",".join(features)), ("training_start", training_start), ("training_end", training_end)):
        if v:
            entry = m.metadata_props.add()
            entry.key, entry.value = k, v
    onnx.checker.check_model(m)
    return m


def record(model_path, rows_csv, features, out):
    import onnxruntime
    session = onnxruntime.InferenceSession(model_path)
    xs, _, _ = read_rows(rows_csv, features, 1) if rows_csv else (None, None, None)
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(features + ["prediction"])
        for x in xs:
            p = session.run(None, {"features": x.reshape(1, -1)})[0][0][0]
            w.writerow([repr(float(v)) for v in x] + [repr(float(p))])


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--features-csv")
    a.add_argument("--synthetic", type=int)
    a.add_argument("--features", required=True)
    a.add_argument("--horizon", type=int, default=5)
    a.add_argument("--out", required=True)
    a.add_argument("--record")
    a.add_argument("--trees", type=int, default=40)
    args = a.parse_args()
    features = args.features.split(",")
    if args.synthetic:
        r = np.random.default_rng(7)
        x = r.normal(size=(args.synthetic, len(features))).astype(np.float32) * np.array([5, 2, 10, 15, 1][:len(features)], dtype=np.float32)
        x[:, 0] += 150
        y = 0.001 * np.tanh(x[:, 1] / 2) - 0.0005 * (x[:, 3] / 15 if len(features) > 3 else 0) + r.normal(scale=0.0002, size=args.synthetic)
        start = end = ""
        rows = os.path.splitext(args.out)[0] + "_rows.csv"
        with open(rows, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["provider", "symbol", "ts"] + features + ["fwd_log_return_1"])
            for i, row in enumerate(x[:200]):
                w.writerow(["synthetic", "X", "2025-11-03T14:%02d:00Z" % (i % 60)] + [repr(float(v)) for v in row] + [repr(float(y[i]))])
    else:
        x, y, ts = read_rows(args.features_csv, features, args.horizon)
        start, end = min(ts), max(ts)
        rows = args.features_csv
    model = GradientBoostingRegressor(n_estimators=args.trees, max_depth=3, learning_rate=0.1, random_state=7).fit(x, y)
    onnx.save(to_onnx(model, features, start, end), args.out)
    print("wrote %s: %d trees on %d rows of %s" % (args.out, args.trees, len(y), ",".join(features)))
    if args.record or args.synthetic:
        target = args.record or os.path.splitext(args.out)[0] + "_predictions.csv"
        record(args.out, rows, features, target)
        print("recorded Python's ONNX Runtime predictions in", target)


if __name__ == "__main__":
    main()
