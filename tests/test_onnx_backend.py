"""The ONNX Runtime backends: same scores as torch (float), close batch-independent scores (int8), a cache that heals."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

import analyzer
from analyzer import _onnx
from analyzer.config import FloatRecheck
from analyzer.model import INT8_CALIBRATION_FILE, ModelError, build_tiny_model, load_model
from analyzer.readers import read_file

TEXTS = [
    "The new bike lanes are a fine idea and I will use them every day.",
    "What a stupid, stupid plan.",
    "Short.",
    " ".join(["a very long comment that needs several windows"] * 20),
]


@pytest.fixture(scope="module")
def reference():
    return build_tiny_model(seed=7).predict(TEXTS, "bike lanes")


def _close(before, after, tolerance: float) -> None:
    for b, a in zip(before, after, strict=True):
        for attribute, value in b.toxicity.items():
            assert a.toxicity[attribute] == pytest.approx(value, abs=tolerance)
        for label, value in b.stance.items():
            assert a.stance[label] == pytest.approx(value, abs=tolerance)


def test_float_onnx_gives_torch_scores(reference, one_torch_thread):
    model = build_tiny_model(seed=7).use_backend("onnx", threads=1)
    assert model.backend == "onnx"
    _close(reference, model.predict(TEXTS, "bike lanes"), 1e-4)


def test_int8_onnx_quantizes_the_encoder_and_stays_close(reference, one_torch_thread):
    import onnx
    from onnx import numpy_helper

    model = build_tiny_model(seed=7).use_backend("onnx-int8", threads=1)
    graph = onnx.load(str(model._forward.path)).graph
    quantized = [node for node in graph.node if node.op_type == "MatMulIntegerToFloat"]
    assert len(quantized) == 2 * 6  # two layers × query, key, value, attention output, intermediate, output
    assert not any("head" in node.name for node in quantized)  # the heads stay float
    float_products = [node for node in graph.node if node.op_type == "MatMul" and "dense" in node.name]
    assert all(node.name.endswith("/float") for node in float_products)  # only the outlier units' (below)
    weights = {tensor.name: tensor for tensor in graph.initializer}
    for node in quantized:  # 7-bit weight codes: no int16 saturation in AVX2's uint8 x int8 products
        assert abs(numpy_helper.to_array(weights[node.input[1]]).astype(int)).max() == 63
    assert len({node.input[0] for node in quantized}) == 2 * 4  # query, key and value share theirs
    # beside each integer product a float one: over the input's few widest units (but for the attention
    # output's input) and the token's minimum, which multiplies the integer weight's column sums
    float_rows = {node.input[1].removesuffix("/float_rows"): numpy_helper.to_array(weights[node.input[1]])
                  for node in graph.node if node.op_type == "MatMul" and node.input[1].endswith("/float_rows")}
    assert set(float_rows) == {node.input[1].removesuffix("/codes") for node in quantized}
    for node in quantized:
        weight = node.input[1].removesuffix("/codes")
        units = 0 if "attention/output" in node.name else _onnx._OUTLIER_UNITS
        assert float_rows[weight].shape[0] == units + 1
        integer_weight = numpy_helper.to_array(weights[f"{weight}/codes"]) * numpy_helper.to_array(weights[f"{weight}/scale"])
        np.testing.assert_allclose(float_rows[weight][-1], integer_weight.sum(axis=0), rtol=1e-5, atol=1e-6)
    _close(reference, model.predict(TEXTS, "bike lanes"), 0.05)


def _one_linear_graph(path, weight: np.ndarray) -> None:
    """A graph of one encoder Linear (by name, an intermediate one: its input may have float units)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    linear = helper.make_node("MatMul", ["x", "w"], ["y"], name="/encoder/layer.0/intermediate/dense/MatMul")
    graph = helper.make_graph(
        [linear], "one-linear", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, None, weight.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, None, weight.shape[1]])],
        [numpy_helper.from_array(weight, "w")],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def _statistics(path, values: np.ndarray) -> dict[str, _onnx.InputStatistics]:
    mask = torch.ones(values.shape[:2], dtype=torch.long)
    return _onnx.activation_statistics(path, [{"x": torch.from_numpy(values), "attention_mask": mask}])


def _int8_error(tmp_path, statistics, values: np.ndarray, weight: np.ndarray) -> float:
    """The mean absolute error of the int8 graph's product against the float one on ``values``."""
    import onnxruntime

    _onnx.quantize_int8(tmp_path / "float.onnx", tmp_path / "int8.onnx", statistics)
    session = onnxruntime.InferenceSession(str(tmp_path / "int8.onnx"), providers=["CPUExecutionProvider"])
    return float(np.abs(session.run(["y"], {"x": values})[0] - values @ weight).mean())


def test_int8_keeps_the_widest_units_of_an_input_in_float(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    weight = rng.normal(0, 0.1, (32, 16)).astype(np.float32)
    _one_linear_graph(tmp_path / "float.onnx", weight)
    values = rng.normal(0, 1, (2, 5, 32)).astype(np.float32)
    values[..., 5] *= 30  # one unit 30x wider than the rest, as in a BERT layer norm's output
    padded = np.concatenate([values, np.full((2, 1, 32), 1e4, np.float32)], axis=1)  # a padding token, ignored
    batch = {"x": torch.from_numpy(padded), "attention_mask": torch.tensor([[1] * 5 + [0]] * 2)}
    statistics = _onnx.activation_statistics(tmp_path / "float.onnx", [batch])
    assert statistics["x"].widest.argmax() == 5 and statistics["x"].widest.max() < 1e3
    np.testing.assert_allclose(statistics["x"].second_moment, np.einsum("bti,btj->ij", values, values) / 10, rtol=1e-4)

    def mean_error(float_units: int) -> float:
        monkeypatch.setattr(_onnx, "_OUTLIER_UNITS", float_units)
        return _int8_error(tmp_path, statistics, values, weight)

    assert mean_error(4) < mean_error(0) / 5


def test_int8_codes_span_each_tokens_own_range(tmp_path, monkeypatch):
    # A GELU's outputs never go below -0.17: codes from -max to +max would leave such an input half
    # of them. Spanning the token's min to max, moving every value by 10 leaves the error as it was.
    monkeypatch.setattr(_onnx, "_OUTLIER_UNITS", 0)
    rng = np.random.default_rng(1)
    weight = rng.integers(-63, 64, (32, 16)).astype(np.float32)
    weight[0] = 63  # every column's codes are exact: only the activations' rounding is measured
    weight /= 1000
    _one_linear_graph(tmp_path / "float.onnx", weight)
    values = rng.uniform(0, 1, (4, 8, 32)).astype(np.float32)
    errors = [_int8_error(tmp_path, _statistics(tmp_path / "float.onnx", shifted), shifted, weight)
              for shifted in (values, values + 10)]
    assert errors[1] < 2 * errors[0]  # codes from -max to +max: about 20 times the error


def test_int8_rounding_carries_each_rows_error_into_the_others(tmp_path, monkeypatch):
    # GPTQ: with inputs whose units move together, rounding a weight row's error into the rows not yet
    # rounded cancels much of it in the product; without the measured second moment (the identity)
    # every row is rounded to its nearest code on its own.
    monkeypatch.setattr(_onnx, "_OUTLIER_UNITS", 0)
    rng = np.random.default_rng(2)
    weight = rng.normal(0, 0.1, (64, 16)).astype(np.float32)
    _one_linear_graph(tmp_path / "float.onnx", weight)
    mixing = rng.normal(0, 1, (8, 64)) + 0.1 * rng.normal(0, 1, (64, 64))[:8]

    def inputs(seed: int) -> np.ndarray:
        return (np.random.default_rng(seed).normal(0, 1, (8, 32, 8)) @ mixing).astype(np.float32)

    measured = _statistics(tmp_path / "float.onnx", inputs(3))
    nearest = {"x": _onnx.InputStatistics(measured["x"].widest, np.eye(64))}
    unseen = inputs(4)  # the same kind of text, not the calibration text
    assert _int8_error(tmp_path, measured, unseen, weight) < 0.7 * _int8_error(tmp_path, nearest, unseen, weight)


def test_int8_calibrates_on_the_sample_dump_and_on_many_other_topics():
    data = Path(analyzer.__file__).parent / "data"
    topics = json.loads((data / INT8_CALIBRATION_FILE).read_text("utf-8"))
    assert len({topic["title"] for topic in topics}) >= 20 and all(len(topic["comments"]) >= 5 for topic in topics)
    model = build_tiny_model(seed=7, context_tokens=16)
    batches = model._int8_calibration_batches()
    dump_comments = sum(len(article.comments) for article in read_file(data / "sample_dump.txt").articles)
    other_comments = sum(len(topic["comments"]) for topic in topics)
    # every comment twice (toward its title with the title as context, and bare), long ones in several windows
    assert sum(len(batch["input_ids"]) for batch in batches) >= 2 * (dump_comments + other_comments)
    seen = {int(token) for batch in batches for token in batch["input_ids"].flatten()}
    for topic in (topics[0], topics[-1]):
        title = model.tokenizer(topic["title"], add_special_tokens=False)["input_ids"]
        assert set(title) <= seen


def test_int8_scores_do_not_depend_on_batch_neighbours(one_torch_thread):
    model = build_tiny_model(seed=7).use_backend("onnx-int8", threads=1)
    # A loud comment next to a quiet one: with activations scaled per batch the quiet one's scale
    # would come from its neighbour; per token, each comment's scores come from its own tokens.
    texts = ["fine.", "WHAT " * 60 + "!!!!!!!!", *TEXTS]
    alone = [model.predict(text, "bike lanes") for text in texts]
    _close(alone, model.predict(texts, "bike lanes", batch_size=len(texts)), 1e-5)


def test_auto_is_int8_onnx_on_cpu_and_the_choice_is_validated():
    assert build_tiny_model(seed=7).use_backend("auto", threads=1).backend == "onnx-int8"
    with pytest.raises(ModelError, match="unknown backend 'tensorrt'"):
        build_tiny_model(seed=7).use_backend("tensorrt")


def test_an_onnx_model_cannot_be_moved_off_the_cpu():
    with pytest.raises(ModelError, match="onnx backend runs on CPU only, not on cuda"):
        build_tiny_model(seed=7).use_backend("onnx", threads=1).to("cuda")


def test_cache_is_reused_and_a_damaged_file_is_rebuilt(tmp_path, monkeypatch, reference, one_torch_thread):
    monkeypatch.setenv("COMMENT_ANALYZER_CACHE", str(tmp_path))
    first = build_tiny_model(seed=7).use_backend("onnx", threads=1)._forward.path
    assert first.parent == tmp_path / "onnx"
    built_at = first.stat().st_mtime_ns
    assert build_tiny_model(seed=7).use_backend("onnx", threads=1)._forward.path == first
    assert first.stat().st_mtime_ns == built_at  # not rebuilt
    assert build_tiny_model(seed=8).use_backend("onnx", threads=1)._forward.path != first  # other weights

    first.write_bytes(b"not an onnx graph")
    healed = build_tiny_model(seed=7).use_backend("onnx", threads=1)
    _close(reference, healed.predict(TEXTS, "bike lanes"), 1e-4)


def test_saved_model_loads_with_a_backend(tmp_path, reference, one_torch_thread):
    build_tiny_model(seed=7).save(tmp_path / "tiny")
    model = load_model(tmp_path / "tiny", device="cpu", threads=1, backend="onnx")
    assert model.backend == "onnx" and "backend='onnx'" in repr(model)
    _close(reference, model.predict(TEXTS, "bike lanes"), 1e-3)  # saved weights are rounded to float16


def test_int8_scores_the_texts_near_a_decision_line_again_in_float(one_torch_thread):
    # Near a line int8's rounding can flip the stance label or the toxic flag; there the float
    # network's scores replace int8's, elsewhere int8's stay as they were.
    texts = [*TEXTS, "Another remark about the lanes, neither here nor there."]
    targets = ["bike lanes", None, "bike lanes", "bike lanes", "bike lanes"]
    float_toxicity, float_stance = build_tiny_model(seed=7).logits(texts, targets)
    alone = build_tiny_model(seed=7).use_backend("onnx-int8", threads=1, float_recheck=None)
    int8_toxicity, int8_stance = alone.logits(texts, targets)
    assert not torch.allclose(int8_stance, float_stance, atol=1e-6)  # int8 does move the scores

    top_two = alone.calibrate_stance(int8_stance).topk(2, dim=-1).values
    margins = sorted((float(top_two[i, 0] - top_two[i, 1]), i) for i, target in enumerate(targets) if target)
    bands = FloatRecheck(stance_margin=(margins[0][0] + margins[1][0]) / 2, toxicity_logit_band=0.0)
    model = build_tiny_model(seed=7).use_backend("onnx-int8", threads=1, float_recheck=bands)
    toxicity, stance = model.logits(texts, targets)
    near = torch.tensor([i == margins[0][1] for i in range(len(texts))])  # the one closest call
    assert torch.equal(alone.near_decision_lines(int8_toxicity, int8_stance, targets, bands), near)
    assert torch.allclose(stance[near], float_stance[near], atol=1e-6)
    assert torch.allclose(toxicity[near], float_toxicity[near], atol=1e-6)
    assert torch.equal(stance[~near], int8_stance[~near]) and torch.equal(toxicity[~near], int8_toxicity[~near])
    assert model.float_rechecked == 1


def test_which_texts_lie_near_a_decision_line():
    model = build_tiny_model(seed=7)
    texts, targets = TEXTS, ["bike lanes", None, "", "bike lanes"]
    toxicity, stance = model.logits(texts, targets)
    every_stance = model.near_decision_lines(toxicity, stance, targets, FloatRecheck(stance_margin=1.1, toxicity_logit_band=0))
    assert every_stance.tolist() == [True, False, False, True]  # a text without a target has no stance to flip
    # the toxic flag: the text whose calibrated toxicity sits at the threshold, none of the others
    at_line = float(model.calibrate_toxicity(toxicity)[1, model.attributes.index("toxicity")])
    moved = model.with_config(dataclasses.replace(model.config, toxicity_threshold=at_line))
    flags = moved.near_decision_lines(toxicity, stance, targets, FloatRecheck(stance_margin=0, toxicity_logit_band=1e-3))
    assert flags.tolist() == [False, True, False, False]


def test_only_int8_rechecks_and_it_can_be_turned_off():
    assert build_tiny_model(seed=7).use_backend("onnx-int8", threads=1).float_recheck == FloatRecheck()
    assert build_tiny_model(seed=7).use_backend("onnx", threads=1).float_recheck is None
    assert build_tiny_model(seed=7).float_recheck is None  # torch is the float network itself
    model = build_tiny_model(seed=7).use_backend("onnx-int8", threads=1, float_recheck=None)
    model.predict(TEXTS, "bike lanes")
    assert model.float_recheck is None and model.float_rechecked == 0
