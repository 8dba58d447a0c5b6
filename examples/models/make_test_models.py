"""Writes the small ONNX files the tests use (committed beside this script; CI does not run it).

    python3 -m venv .venv && .venv/bin/pip install onnx numpy
    .venv/bin/python examples/models/make_test_models.py

linear3.onnx     prediction = features . W + b, W = [0.5, -0.25, 0.125], b = 0.01; one float32
                 input [batch, 3]; metadata features = close,spread_bps,rsi_14 and a training window.
linear3_double.onnx  the same graph with a float64 input: refused (tickreplay feeds float32).
linear4.onnx     four inputs wide: refused for three declared features.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def linear(name, width, elem, metadata):
    w = numpy_helper.from_array(np.array([[0.5], [-0.25], [0.125], [1.0]][:width], dtype=np.float32 if elem == TensorProto.FLOAT else np.float64), "W")
    b = numpy_helper.from_array(np.array([0.01], dtype=np.float32 if elem == TensorProto.FLOAT else np.float64), "b")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["features", "W"], ["wx"]), helper.make_node("Add", ["wx", "b"], ["prediction"])],
        name,
        [helper.make_tensor_value_info("features", elem, ["batch", width])],
        [helper.make_tensor_value_info("prediction", elem, ["batch", 1])],
        [w, b])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="tickreplay-examples")
    model.ir_version = 8
    model.model_version = 3
    for k, v in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name + ".onnx"))


meta = {"features": "close,spread_bps,rsi_14", "training_start": "2025-10-01T00:00:00Z", "training_end": "2025-11-01T00:00:00Z"}
linear("linear3", 3, TensorProto.FLOAT, meta)
linear("linear3_double", 3, TensorProto.DOUBLE, meta)
linear("linear4", 4, TensorProto.FLOAT, {})
