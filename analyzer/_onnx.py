"""ONNX Runtime execution of a model's network: the CPU path for scoring.

``backend="onnx"`` runs the float graph: torch's scores to ~1e-5, about 1.1× faster on CPU. On a
CPU without AVX-512 the float network is bound by its matrix products (torch already runs it near
the cores' float peak), so a real speed-up needs **int8**. ``backend="onnx-int8"`` (the CPU
default) runs the encoder's 36 Linear layers in integer arithmetic, about 2× faster than torch end to end:

* weights: int8 codes per output channel, in ±63 (see ``_WEIGHT_LEVELS``), rounded by GPTQ (Frantar
  et al. 2023): row by row, each row's rounding error is carried into the rows not yet rounded, in
  the proportions that keep the layer's output on calibration text closest to float (the inputs'
  second moments). Plain rounding to the nearest code left the weights the larger half of int8's
  error. With the min-to-max codes below, GPTQ brings int8 19–30% closer to float for about 4% more
  network time (``reports/experiments.md``). Its calibration text spans many topics: fitted to the NK
  talks alone it leaned other topics' stance toward "none";
* activations: quantized **per token** at run time (a token's codes 0–255 span its own smallest to
  largest value), never per batch. ONNX Runtime's own dynamic quantization scales a whole batch's
  activations together, so a comment's scores moved with its batch neighbours (up to 0.02
  measured) and a resumed run did not reproduce an uninterrupted one. Per token, a comment's scores
  depend on its own tokens only, whatever the batch. Spanning min to max rather than ±max matters
  for the GELU outputs, which never go below −0.17: symmetric codes left them half their range.
  A code c stands for ``scale · c + min``; the ``min`` part of the product is a float product
  with the weight's column sums (the "float rows" below get one more row).
* outlier units: a few hidden units of a BERT's layer norms (and of its GELU outputs) run 5–15×
  wider than the rest on nearly every token, so a per-token scale set by them leaves the other
  units a handful of codes. The inputs that come out of a layer norm or a GELU keep their
  ``_OUTLIER_UNITS`` widest units in float (LLM.int8's decomposition, with the units fixed once):
  those units' part of the product is a float product of that many weight rows, added to the
  integer one, and the per-token scale comes from the other units. Which units are widest is
  measured on calibration text when the graph is built (the model gives the bundled sample dump and
  comments on other topics, ``Model._int8_calibration_batches``); a layer norm's come out the same on
  other topics' text, a GELU's vary more. This brings int8 about 40% closer to float for about 10% more time in the
  network (``reports/experiments.md``).

Near a decision line (a stance label, the toxic flag) the rounding can still flip a label, so
``Model.logits`` scores those comments again with the float network (``analyzer.config.FloatRecheck``).
What int8 costs against float on every gate check: ``reports/benchmarks/speed.md``; the variants
tried to lower it: ``reports/experiments.md``. The heads, the attention score products, layer norms
and the rest stay float.

Exporting and quantizing take a few seconds, so the result is cached on disk, keyed by the
network's weights, this module's graph version and the versions of torch and ONNX Runtime:
``$COMMENT_ANALYZER_CACHE`` or ``~/.cache/comment-analyzer``. A damaged cache file is rebuilt,
never trusted.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids", "comment_mask")
OUTPUT_NAMES = ("toxicity", "stance")
#: Linear layers whose weights int8 quantization may touch: the encoder's, not the heads'.
_QUANTIZED_LINEAR = ("query", "key", "value", "attention/output/dense", "intermediate/dense", "/output/dense")
_OPSET = 17
#: int8 codes: weights in ±63 per output channel, activations in 0–255 per token (uint8). Seven-bit
#: weights keep every pair of uint8 × int8 products below the int16 limit of AVX2's multiply-add
#: (255 · 63 · 2 < 32767), which would otherwise saturate: the integer sums are exact on every CPU.
_WEIGHT_LEVELS, _ACTIVATION_LEVELS = 63, 255
#: GPTQ's damping (added to the second moments' diagonal, as a share of its mean) and block of rows
#: updated together. 0.1 rather than GPTQ's usual 0.01: the calibration text is a few thousand
#: tokens, and a weaker one (0.03, 0.01) drifted from float on a set it was not chosen on (WT-WT, P-Stance).
_GPTQ_DAMPING, _GPTQ_BLOCK = 0.1, 128
#: Hidden units of a layer-norm or GELU output kept in float: the widest on calibration text. Two
#: already give most of the gain, more than four add nothing measurable (``reports/experiments.md``).
_OUTLIER_UNITS = 4
#: Bumped whenever the exported or quantized graph (or the calibration text) changes, so old cache
#: files are not reused.
_GRAPH_VERSION = 5
#: One batch of the four network inputs, as ``collate_windows`` makes them.
Batch = dict[str, torch.Tensor]


def cache_dir() -> Path:
    return Path(os.environ.get("COMMENT_ANALYZER_CACHE") or Path.home() / ".cache" / "comment-analyzer")


def network_fingerprint(net: torch.nn.Module, variant: str) -> str:
    """sha256 of every tensor of the network plus the versions that shape the exported graph."""
    import onnxruntime

    versions = f"v{_GRAPH_VERSION} torch {torch.__version__} ort {onnxruntime.__version__}"
    digest = hashlib.sha256(f"{variant} {versions}".encode())
    for name, tensor in net.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:24]


def _example_inputs(net: torch.nn.Module) -> tuple[torch.Tensor, ...]:
    """Two rows of different lengths, so the exporter sees padding and a token-type switch."""
    input_ids = torch.tensor([[101, 2000, 102, 2001, 2002, 102], [101, 2003, 102, 2004, 102, 0]])
    attention_mask = (input_ids != 0).long()
    token_type_ids = torch.tensor([[0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 0]])
    comment_mask = torch.tensor([[0, 0, 0, 1, 1, 0], [0, 0, 0, 1, 0, 0]])
    device = next(net.parameters()).device
    return tuple(t.to(device) for t in (input_ids, attention_mask, token_type_ids, comment_mask))


def export_onnx(net: torch.nn.Module, path: Path) -> None:
    """The network's forward pass as an ONNX graph with dynamic batch size and sequence length."""
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES} | {name: {0: "batch"} for name in OUTPUT_NAMES}
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated in favour of one that needs another dependency
        # (onnxscript); it ships with the pinned torch, and its tracer notes are about Python
        # branches that are constant for this network (no causal mask).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net.eval(), _example_inputs(net), str(path), input_names=list(INPUT_NAMES),
            output_names=list(OUTPUT_NAMES), dynamic_axes=axes, opset_version=_OPSET, dynamo=False,
        )


def _is_encoder_linear(node: onnx.NodeProto, weights: dict[str, onnx.TensorProto]) -> bool:
    return (node.op_type == "MatMul" and node.input[1] in weights
            and node.name.endswith(tuple(f"{part}/MatMul" for part in _QUANTIZED_LINEAR)))


def _constant(graph: onnx.GraphProto, name: str, value: np.ndarray) -> str:
    graph.initializer.append(numpy_helper.from_array(value, name))
    return name


def _quantize_per_token(activation: str, nodes: list[onnx.NodeProto]) -> tuple[str, str, str]:
    """Appends nodes that turn a float activation [batch, tokens, hidden] into uint8 codes with a
    per-token scale and minimum; returns their names. Code c stands for scale · c + minimum."""
    stem = f"q8/{activation}"
    nodes += [
        helper.make_node("ReduceMax", [activation], [f"{stem}/max"], axes=[-1], keepdims=1),
        helper.make_node("ReduceMin", [activation], [f"{stem}/min"], axes=[-1], keepdims=1),
        helper.make_node("Sub", [f"{stem}/max", f"{stem}/min"], [f"{stem}/span"]),
        # The tiny floor keeps a constant token (none occur in practice) from dividing by zero.
        helper.make_node("Max", [f"{stem}/span", "q8/tiny"], [f"{stem}/span+"]),
        helper.make_node("Div", [f"{stem}/span+", "q8/levels"], [f"{stem}/scale"]),
        helper.make_node("Div", ["q8/one", f"{stem}/scale"], [f"{stem}/inverse"]),
        helper.make_node("Sub", [activation, f"{stem}/min"], [f"{stem}/shifted"]),
        helper.make_node("Mul", [f"{stem}/shifted", f"{stem}/inverse"], [f"{stem}/scaled"]),
        helper.make_node("QuantizeLinear", [f"{stem}/scaled", "q8/one", "q8/zero"], [f"{stem}/codes"]),
    ]
    return f"{stem}/codes", f"{stem}/scale", f"{stem}/min"


def _round_weight(weight: np.ndarray, second_moment: np.ndarray,
                  float_units: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GPTQ of a [in, out] weight whose input has ``second_moment`` (E[x xᵀ] on calibration text):
    int8 codes in ±``_WEIGHT_LEVELS`` (zero on the ``float_units`` rows), a scale per output channel,
    and the ``float_units`` rows, which stay float and absorb the rounding error last.

    The rows are rounded largest input first ("act order"), each row's error carried into the rows
    after it through the upper Cholesky factor of the inverse second moment, a block at a time."""
    rest = np.setdiff1d(np.arange(weight.shape[0]), float_units)
    rest = rest[np.argsort(-np.diag(second_moment)[rest], kind="stable")]
    order = np.concatenate([rest, float_units]).astype(np.int64)
    rows = weight.astype(np.float64)[order]
    moment = second_moment[np.ix_(order, order)]
    # The damping also makes the matrix invertible where a unit was never active on calibration text.
    moment[np.diag_indices_from(moment)] += _GPTQ_DAMPING * np.mean(np.diag(moment))
    factor = np.linalg.cholesky(np.linalg.inv(moment)).T
    scale = np.abs(rows[: len(rest)]).max(axis=0) / _WEIGHT_LEVELS
    scale[scale == 0] = 1.0  # an all-zero column: any scale gives codes of zero
    codes = np.zeros(weight.shape, np.int8)
    for start in range(0, len(rest), _GPTQ_BLOCK):
        stop = min(start + _GPTQ_BLOCK, len(rest))
        errors = np.empty((stop - start, weight.shape[1]))
        for row in range(start, stop):
            rounded = np.clip(np.rint(rows[row] / scale), -_WEIGHT_LEVELS, _WEIGHT_LEVELS)
            codes[order[row]] = rounded
            errors[row - start] = (rows[row] - rounded * scale) / factor[row, row]
            rows[row + 1 : stop] -= np.outer(factor[row, row + 1 : stop], errors[row - start])
        rows[stop:] -= factor[start:stop, stop:].T @ errors
    return codes, scale.astype(np.float32), rows[len(rest) :].astype(np.float32)


@dataclass(frozen=True)
class InputStatistics:
    """What int8 measures of one quantized input on calibration text, over real (unpadded) tokens."""

    widest: np.ndarray  # the largest |value| of each hidden unit
    second_moment: np.ndarray  # E[x xᵀ], float64: how the units vary together (for GPTQ)


def activation_statistics(source: Path, batches: Sequence[Batch], threads: int = 1) -> dict[str, InputStatistics]:
    """The statistics of every quantized Linear's input over the real tokens of ``batches``, run
    through the float graph at ``source``."""
    model = onnx.load(str(source))
    weights = {tensor.name: tensor for tensor in model.graph.initializer}
    names = sorted({node.input[0] for node in model.graph.node if _is_encoder_linear(node, weights)})
    model.graph.output.extend(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None) for name in names)
    session = _session(model.SerializeToString(), threads)
    widest: dict[str, np.ndarray] = {}
    products: dict[str, np.ndarray] = {}
    tokens = 0
    for batch in batches:
        real = batch["attention_mask"].numpy().astype(bool)
        tokens += int(real.sum())
        feed = {graph_input.name: batch[graph_input.name].numpy() for graph_input in model.graph.input}
        for name, values in zip(names, session.run(names, feed), strict=True):
            unpadded = values[real]
            largest = np.abs(unpadded).max(axis=0)
            widest[name] = np.maximum(widest[name], largest) if name in widest else largest
            products[name] = products.get(name, 0) + (unpadded.T @ unpadded).astype(np.float64)
    return {name: InputStatistics(widest[name], products[name] / tokens) for name in names}


def _has_outlier_units(linear: onnx.NodeProto) -> bool:
    """Whether a quantized Linear's input has outlier units: a layer norm's output (query, key,
    value, intermediate) or a GELU's (the feed-forward output) does; the attention context (the
    attention output's input) has none worth the float product's time (``reports/experiments.md``)."""
    return not linear.name.endswith("attention/output/dense/MatMul")


def _split_off_widest(activation: str, widest: np.ndarray, width: int, nodes: list[onnx.NodeProto],
                      graph: onnx.GraphProto) -> tuple[str, str]:
    """Appends nodes that zero the ``widest`` units of an activation of ``width`` units (for the
    integer product) and pick them out (for the float one); returns the two names."""
    stem = f"f32/{activation}"
    rest = np.ones(width, np.float32)
    rest[widest] = 0
    nodes += [
        helper.make_node("Mul", [activation, _constant(graph, f"{stem}/rest_mask", rest)], [f"{stem}/rest"]),
        # (picking four units by a one-hot product instead measured slower than this Gather)
        helper.make_node("Gather", [activation, _constant(graph, f"{stem}/units", widest.astype(np.int64))],
                         [f"{stem}/widest"], axis=-1),
    ]
    return f"{stem}/rest", f"{stem}/widest"


def _float_product_input(activation: str, widest: np.ndarray, width: int, nodes: list[onnx.NodeProto],
                         graph: onnx.GraphProto) -> tuple[str, str, str]:
    """Appends the nodes that prepare one quantized input: its per-token codes and scale, and the
    float product's input, which is the ``widest`` units (if any) followed by the per-token minimum.
    Returns the three names."""
    if not len(widest):
        return _quantize_per_token(activation, nodes)
    rest, float_units = _split_off_widest(activation, widest, width, nodes, graph)
    codes, scale, minimum = _quantize_per_token(rest, nodes)
    float_input = f"f32/{activation}/units+min"
    nodes.append(helper.make_node("Concat", [float_units, minimum], [float_input], axis=-1))
    return codes, scale, float_input


def quantize_int8(source: Path, destination: Path, statistics: dict[str, InputStatistics]) -> None:
    """The encoder's Linear layers in int8, with activations quantized per token, weights rounded by
    GPTQ and the ``_OUTLIER_UNITS`` widest units of each layer-norm or GELU output in float, all by
    ``statistics`` (from ``activation_statistics``); see the module doc."""
    model = onnx.load(str(source))
    graph = model.graph
    weights = {tensor.name: tensor for tensor in graph.initializer}
    _constant(graph, "q8/one", np.array(1.0, np.float32))
    _constant(graph, "q8/tiny", np.array(1e-12, np.float32))
    _constant(graph, "q8/levels", np.array(_ACTIVATION_LEVELS, np.float32))
    _constant(graph, "q8/zero", np.array(0, np.uint8))
    # per input (query, key and value share one): its codes, per-token scales, float product input, float units
    prepared: dict[str, tuple[str, str, str, np.ndarray]] = {}
    nodes: list[onnx.NodeProto] = []
    replaced: set[str] = set()  # float weights that int8 codes replace
    for node in graph.node:
        if not _is_encoder_linear(node, weights):
            nodes.append(node)
            continue
        activation, weight = node.input
        measured = statistics[activation]
        if activation not in prepared:
            float_count = _OUTLIER_UNITS if _has_outlier_units(node) else 0
            widest = np.sort(np.argsort(-measured.widest, kind="stable")[:float_count])
            prepared[activation] = (*_float_product_input(activation, widest, len(measured.widest), nodes, graph), widest)
        codes, token_scale, float_input, widest = prepared[activation]
        weight_codes, channel_scale, unit_rows = _round_weight(
            numpy_helper.to_array(weights[weight]), measured.second_moment, widest)
        # Code c stands for scale · c + min, so the minimum multiplies the integer weight's column sums.
        column_sums = (weight_codes.astype(np.float64) * channel_scale).sum(axis=0)
        float_rows = np.vstack([unit_rows, column_sums]).astype(np.float32)
        replaced.add(weight)
        nodes += [
            # int32 sums of code products, times the channel scales: exact integer arithmetic, so a
            # token's result does not depend on the other tokens or rows of the batch.
            helper.make_node("MatMulIntegerToFloat",
                             [codes, _constant(graph, f"{weight}/codes", weight_codes), "q8/one",
                              _constant(graph, f"{weight}/scale", channel_scale), "q8/zero"],
                             [f"{node.name}/channels"], name=f"{node.name}/int8", domain="com.microsoft"),
            helper.make_node("Mul", [f"{node.name}/channels", token_scale], [f"{node.name}/integer"]),
            helper.make_node("MatMul", [float_input, _constant(graph, f"{weight}/float_rows", float_rows)],
                             [f"{node.name}/float"], name=f"{node.name}/float"),
            helper.make_node("Add", [f"{node.name}/integer", f"{node.name}/float"], list(node.output)),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [tensor for tensor in graph.initializer if tensor.name not in replaced]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(model, str(destination))


def build_onnx_file(net: torch.nn.Module, variant: str, calibration: Callable[[], Sequence[Batch]],
                    threads: int = 1) -> Path:
    """The cached ONNX file of ``net`` for ``variant`` ("onnx" or "onnx-int8"), built when missing;
    int8 then runs ``calibration``'s batches through the float graph (on ``threads``) to measure its
    inputs (``activation_statistics``)."""
    directory = cache_dir() / "onnx"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{network_fingerprint(net, variant)}.{variant}.onnx"
    if path.is_file():
        return path
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        exported = Path(scratch) / "float.onnx"
        export_onnx(net, exported)
        if variant == "onnx-int8":
            statistics = activation_statistics(exported, calibration(), threads)
            quantize_int8(exported, Path(scratch) / "int8.onnx", statistics)
            exported = Path(scratch) / "int8.onnx"
        os.replace(exported, path)  # atomic: a concurrent run sees a whole file or none
    return path


def _session(model: str | bytes, threads: int, providers: Sequence[str] = ("CPUExecutionProvider",)):
    """An ONNX Runtime session on ``threads`` threads for a graph file (path) or serialized graph."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Idle workers sleep instead of spinning, as OMP_WAIT_POLICY=PASSIVE does for torch: on a
    # busy machine spinning threads slow everyone down.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return onnxruntime.InferenceSession(model, options, providers=list(providers))


class OnnxNetwork:
    """Runs a cached ONNX graph with the same call and results as ``ToxicityStanceNet.forward``.

    ``providers``: ONNX Runtime's execution providers; scoring runs on CPU, ``eval.bench_gpu`` also
    tries CUDA's (which only the ``onnxruntime-gpu`` package has).
    """

    def __init__(self, path: Path, threads: int, providers: Sequence[str] = ("CPUExecutionProvider",)):
        self.session = _session(str(path), threads, providers)
        self.path = path

    def __call__(self, **inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feed = {name: inputs[name].cpu().numpy() for name in INPUT_NAMES}
        toxicity, stance = self.session.run(list(OUTPUT_NAMES), feed)
        return torch.from_numpy(toxicity), torch.from_numpy(stance)


def onnx_network(net: torch.nn.Module, variant: str, threads: int,
                 calibration: Callable[[], Sequence[Batch]]) -> OnnxNetwork:
    """An ONNX Runtime stand-in for ``net`` (rebuilt once if the cached file cannot be loaded);
    ``calibration`` gives the batches that int8 measures its inputs on."""
    path = build_onnx_file(net, variant, calibration, threads)
    try:
        return OnnxNetwork(path, threads)
    except Exception:  # noqa: BLE001 - onnxruntime raises its own untyped errors for a truncated or stale file
        path.unlink(missing_ok=True)
        return OnnxNetwork(build_onnx_file(net, variant, calibration, threads), threads)
