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
  scores depend on its own tokens only, whatever the batch. What int8 costs against float on every
  gate check: ``reports/benchmarks/speed.md``; the variants tried to lower it: ``reports/experiments.md``.

The heads, the attention score products, layer norms and the rest stay float.

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
from collections.abc import Sequence
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
#: Bumped whenever the exported or quantized graph changes, so old cache files are not reused.
_GRAPH_VERSION = 2


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


def quantize_int8(source: Path, destination: Path) -> None:
    """The encoder's Linear layers in int8, with activations quantized per token (see the module doc)."""
    model = onnx.load(str(source))
    graph = model.graph
    weights = {tensor.name: tensor for tensor in graph.initializer}
    _constant(graph, "q8/one", np.array(1.0, np.float32))
    _constant(graph, "q8/tiny", np.array(1e-12, np.float32))
    _constant(graph, "q8/levels", np.array(_ACTIVATION_LEVELS, np.float32))
    _constant(graph, "q8/zero", np.array(_ACTIVATION_ZERO, np.uint8))
    per_token: dict[str, tuple[str, str]] = {}  # query, key and value share one quantized input
    nodes: list[onnx.NodeProto] = []
    replaced: set[str] = set()  # float weights that int8 codes replace
    for node in graph.node:
        if not _is_encoder_linear(node, weights):
            nodes.append(node)
            continue
        activation, weight = node.input
        if activation not in per_token:
            per_token[activation] = _quantize_per_token(activation, nodes)
        codes, token_scale = per_token[activation]
        weight_codes, channel_scale = _quantize_weight(weight, numpy_helper.to_array(weights[weight]), graph)
        replaced.add(weight)
        nodes += [
            # int32 sums of code products, times the channel scales: exact integer arithmetic, so a
            # token's result does not depend on the other tokens or rows of the batch.
            helper.make_node("MatMulIntegerToFloat", [codes, weight_codes, "q8/one", channel_scale, "q8/zero"],
                             [f"{node.name}/channels"], domain="com.microsoft"),
            helper.make_node("Mul", [f"{node.name}/channels", token_scale], list(node.output)),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [tensor for tensor in graph.initializer if tensor.name not in replaced]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(model, str(destination))


def build_onnx_file(net: torch.nn.Module, variant: str) -> Path:
    """The cached ONNX file of ``net`` for ``variant`` ("onnx" or "onnx-int8"), built when missing."""
    directory = cache_dir() / "onnx"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{network_fingerprint(net, variant)}.{variant}.onnx"
    if path.is_file():
        return path
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        exported = Path(scratch) / "float.onnx"
        export_onnx(net, exported)
        if variant == "onnx-int8":
            quantize_int8(exported, Path(scratch) / "int8.onnx")
            exported = Path(scratch) / "int8.onnx"
        os.replace(exported, path)  # atomic: a concurrent run sees a whole file or none
    return path


class OnnxNetwork:
    """Runs a cached ONNX graph with the same call and results as ``ToxicityStanceNet.forward``.

    ``providers``: ONNX Runtime's execution providers; scoring runs on CPU, ``eval.bench_gpu`` also
    tries CUDA's (which only the ``onnxruntime-gpu`` package has).
    """

    def __init__(self, path: Path, threads: int, providers: Sequence[str] = ("CPUExecutionProvider",)):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle workers sleep instead of spinning, as OMP_WAIT_POLICY=PASSIVE does for torch: on a
        # busy machine spinning threads slow everyone down.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(str(path), options, providers=list(providers))
        self.path = path

    def __call__(self, **inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feed = {name: inputs[name].cpu().numpy() for name in INPUT_NAMES}
        toxicity, stance = self.session.run(list(OUTPUT_NAMES), feed)
        return torch.from_numpy(toxicity), torch.from_numpy(stance)


def onnx_network(net: torch.nn.Module, variant: str, threads: int) -> OnnxNetwork:
    """An ONNX Runtime stand-in for ``net`` (rebuilt once if the cached file cannot be loaded)."""
    path = build_onnx_file(net, variant)
    try:
        return OnnxNetwork(path, threads)
    except Exception:  # noqa: BLE001 - onnxruntime raises its own untyped errors for a truncated or stale file
        path.unlink(missing_ok=True)
        return OnnxNetwork(build_onnx_file(net, variant), threads)
