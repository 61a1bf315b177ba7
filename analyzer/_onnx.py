"""ONNX Runtime execution of a model's network: the CPU path for scoring.

``backend="onnx"`` runs the float graph: torch's scores to ~1e-5, about 1.1× faster on CPU. On a
CPU without AVX-512 the float network is bound by its matrix products (torch already runs it near
the cores' float peak), so a real speed-up needs **int8**. ``backend="onnx-int8"`` (the CPU
default) runs the encoder's 36 Linear layers in integer arithmetic, about 2× faster than torch end to end:

* weights: int8 codes per output channel, in ±63 (see ``_WEIGHT_LEVELS``);
* activations: quantized **per token** at run time (a token's scale is the largest |value| among
  its own hidden units), never per batch. ONNX Runtime's own dynamic quantization scales a whole
  batch's activations together, so a comment's scores moved with its batch neighbours (up to 0.02
  measured) and a resumed run did not reproduce an uninterrupted one. Per token, a comment's
  scores depend on its own tokens only, whatever the batch.
* outlier units: a few hidden units of a BERT's layer norms (and of its GELU outputs) run 5–15×
  wider than the rest on nearly every token, so a per-token scale set by them leaves the other
  units a handful of codes. The inputs that come out of a layer norm or a GELU keep their
  ``_OUTLIER_UNITS`` widest units in float (LLM.int8's decomposition, with the units fixed once):
  those units' part of the product is a float product of that many weight rows, added to the
  integer one, and the per-token scale comes from the other units. Which units are widest is
  measured on calibration text when the graph is built (the model gives the bundled sample dump,
  ``Model._int8_calibration_batches``); a layer norm's come out the same on other topics' text, a
  GELU's vary more. This brings int8 about 40% closer to float for about 10% more time in the
  network (``reports/experiments.md``).

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
#: int8 codes: weights in ±63 per output channel, activations in ±127 per token stored as uint8
#: around 128. Seven-bit weights keep every pair of uint8 × int8 products below the int16 limit of
#: AVX2's multiply-add (255 · 63 · 2 < 32767), which would otherwise saturate: the integer sums are
#: exact on every CPU.
_WEIGHT_LEVELS, _ACTIVATION_LEVELS, _ACTIVATION_ZERO = 63, 127, 128
#: Hidden units of a layer-norm or GELU output kept in float: the widest on calibration text. Two
#: already give most of the gain, more than four add nothing measurable (``reports/experiments.md``).
_OUTLIER_UNITS = 4
#: Bumped whenever the exported or quantized graph (or the calibration text) changes, so old cache
#: files are not reused.
_GRAPH_VERSION = 3
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


def _quantize_per_token(activation: str, nodes: list[onnx.NodeProto]) -> tuple[str, str]:
    """Appends nodes that turn a float activation [batch, tokens, hidden] into uint8 codes and a
    per-token scale; returns their names.

    Symmetric: scale = max |x| over the token's hidden units / 127, code = round(x / scale) + 128.
    """
    stem = f"q8/{activation}"
    nodes += [
        helper.make_node("ReduceMax", [activation], [f"{stem}/max"], axes=[-1], keepdims=1),
        helper.make_node("ReduceMin", [activation], [f"{stem}/min"], axes=[-1], keepdims=1),
        helper.make_node("Neg", [f"{stem}/min"], [f"{stem}/-min"]),
        # The tiny floor keeps an all-zero token (none occur in practice) from dividing by zero.
        helper.make_node("Max", [f"{stem}/max", f"{stem}/-min", "q8/tiny"], [f"{stem}/absmax"]),
        helper.make_node("Div", [f"{stem}/absmax", "q8/levels"], [f"{stem}/scale"]),
        helper.make_node("Div", ["q8/one", f"{stem}/scale"], [f"{stem}/inverse"]),
        helper.make_node("Mul", [activation, f"{stem}/inverse"], [f"{stem}/scaled"]),
        helper.make_node("QuantizeLinear", [f"{stem}/scaled", "q8/one", "q8/zero"], [f"{stem}/codes"]),
    ]
    return f"{stem}/codes", f"{stem}/scale"


def _quantize_weight(name: str, weight: np.ndarray, graph: onnx.GraphProto) -> tuple[str, str]:
    """int8 codes in ±``_WEIGHT_LEVELS`` and a scale per output channel (column) of a [in, out] weight."""
    scale = np.abs(weight).max(axis=0) / _WEIGHT_LEVELS
    scale[scale == 0] = 1.0  # an all-zero column: any scale gives codes of zero
    codes = np.clip(np.rint(weight / scale), -_WEIGHT_LEVELS, _WEIGHT_LEVELS).astype(np.int8)
    return _constant(graph, f"{name}/codes", codes), _constant(graph, f"{name}/scale", scale.astype(np.float32))


def activation_ranges(source: Path, batches: Sequence[Batch], threads: int = 1) -> dict[str, np.ndarray]:
    """The largest |value| of each hidden unit of every quantized Linear's input over the real
    (unpadded) tokens of ``batches``, run through the float graph at ``source``."""
    model = onnx.load(str(source))
    weights = {tensor.name: tensor for tensor in model.graph.initializer}
    names = sorted({node.input[0] for node in model.graph.node if _is_encoder_linear(node, weights)})
    model.graph.output.extend(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None) for name in names)
    session = _session(model.SerializeToString(), threads)
    ranges: dict[str, np.ndarray] = {}
    for batch in batches:
        real = batch["attention_mask"].numpy().astype(bool)
        feed = {graph_input.name: batch[graph_input.name].numpy() for graph_input in model.graph.input}
        for name, values in zip(names, session.run(names, feed), strict=True):
            widest = np.abs(values[real]).max(axis=0)
            ranges[name] = np.maximum(ranges[name], widest) if name in ranges else widest
    return ranges


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


def quantize_int8(source: Path, destination: Path, ranges: dict[str, np.ndarray]) -> None:
    """The encoder's Linear layers in int8, with activations quantized per token and the
    ``_OUTLIER_UNITS`` widest units (by ``ranges``, from ``activation_ranges``) of each layer-norm or
    GELU output in float; see the module doc."""
    model = onnx.load(str(source))
    graph = model.graph
    weights = {tensor.name: tensor for tensor in graph.initializer}
    _constant(graph, "q8/one", np.array(1.0, np.float32))
    _constant(graph, "q8/tiny", np.array(1e-12, np.float32))
    _constant(graph, "q8/levels", np.array(_ACTIVATION_LEVELS, np.float32))
    _constant(graph, "q8/zero", np.array(_ACTIVATION_ZERO, np.uint8))
    # per input (query, key and value share one): its codes, per-token scales, float units and their indices
    prepared: dict[str, tuple[str, str, str | None, np.ndarray]] = {}
    nodes: list[onnx.NodeProto] = []
    replaced: set[str] = set()  # float weights that int8 codes replace
    for node in graph.node:
        if not _is_encoder_linear(node, weights):
            nodes.append(node)
            continue
        activation, weight = node.input
        if activation not in prepared:
            quantized, float_units = activation, None
            float_count = _OUTLIER_UNITS if _has_outlier_units(node) else 0
            widest = np.sort(np.argsort(-ranges[activation], kind="stable")[:float_count])
            if len(widest):
                quantized, float_units = _split_off_widest(activation, widest, len(ranges[activation]), nodes, graph)
            prepared[activation] = (*_quantize_per_token(quantized, nodes), float_units, widest)
        codes, token_scale, float_units, widest = prepared[activation]
        matrix = numpy_helper.to_array(weights[weight])
        integer_part = matrix.copy()
        if float_units:
            integer_part[widest] = 0  # those rows multiply the float units below
        weight_codes, channel_scale = _quantize_weight(weight, integer_part, graph)
        replaced.add(weight)
        integer_output = f"{node.name}/integer" if float_units else node.output[0]
        nodes += [
            # int32 sums of code products, times the channel scales: exact integer arithmetic, so a
            # token's result does not depend on the other tokens or rows of the batch.
            helper.make_node("MatMulIntegerToFloat", [codes, weight_codes, "q8/one", channel_scale, "q8/zero"],
                             [f"{node.name}/channels"], name=f"{node.name}/int8", domain="com.microsoft"),
            helper.make_node("Mul", [f"{node.name}/channels", token_scale], [integer_output]),
        ]
        if float_units:
            float_rows = _constant(graph, f"{weight}/float_rows", np.ascontiguousarray(matrix[widest]))
            nodes += [
                helper.make_node("MatMul", [float_units, float_rows], [f"{node.name}/float"], name=f"{node.name}/float"),
                helper.make_node("Add", [integer_output, f"{node.name}/float"], list(node.output)),
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
    int8 then runs ``calibration``'s batches through the float graph (on ``threads``) to find the
    widest units."""
    directory = cache_dir() / "onnx"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{network_fingerprint(net, variant)}.{variant}.onnx"
    if path.is_file():
        return path
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        exported = Path(scratch) / "float.onnx"
        export_onnx(net, exported)
        if variant == "onnx-int8":
            ranges = activation_ranges(exported, calibration(), threads)
            quantize_int8(exported, Path(scratch) / "int8.onnx", ranges)
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
    ``calibration`` gives the batches that int8 measures its inputs' widest units on."""
    path = build_onnx_file(net, variant, calibration, threads)
    try:
        return OnnxNetwork(path, threads)
    except Exception:  # noqa: BLE001 - onnxruntime raises its own untyped errors for a truncated or stale file
        path.unlink(missing_ok=True)
        return OnnxNetwork(build_onnx_file(net, variant, calibration, threads), threads)
