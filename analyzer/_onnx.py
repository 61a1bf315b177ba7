"""ONNX Runtime execution of a model's network: the CPU path for scoring.

``backend="onnx"`` runs the float graph: torch's scores to ~1e-5, about 1.1× faster on CPU. On a
CPU without AVX-512 the float network is bound by its matrix products (torch already runs it near
the cores' float peak), so a real speed-up needs **int8**: ``backend="onnx-int8"`` quantizes the
encoder's 36 Linear layers dynamically (weights int8 per output channel, activations on the fly),
which runs about 1.7× faster than torch float. The heads, the attention score products and the
rest stay float. It is opt-in because dynamic quantization scales the activations of a whole
batch at once: a comment's scores then depend on the comments it shares a batch with (up to ±0.02
measured), so a resumed run does not reproduce an uninterrupted one exactly, and on the NK-talks
check it cost more than 0.005 macro-F1 (``reports/benchmarks/speed.md``).

Exporting and quantizing take a few seconds, so the result is cached on disk, keyed by the
network's weights and the versions of torch and ONNX Runtime: ``$COMMENT_ANALYZER_CACHE`` or
``~/.cache/comment-analyzer``. A damaged cache file is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from pathlib import Path

import torch

#: What ``load_model(backend=...)`` accepts; "onnx-int8" is the only one that changes scores.
BACKENDS = ("torch", "onnx", "onnx-int8")
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids", "comment_mask")
OUTPUT_NAMES = ("toxicity", "stance")
#: Linear layers whose weights int8 quantization may touch: the encoder's, not the heads'.
_QUANTIZED_LINEAR = ("query", "key", "value", "attention/output/dense", "intermediate/dense", "/output/dense")
_OPSET = 17


def cache_dir() -> Path:
    return Path(os.environ.get("COMMENT_ANALYZER_CACHE") or Path.home() / ".cache" / "comment-analyzer")


def network_fingerprint(net: torch.nn.Module, variant: str) -> str:
    """sha256 of every tensor of the network plus the versions that shape the exported graph."""
    import onnxruntime

    digest = hashlib.sha256(f"{variant} torch {torch.__version__} ort {onnxruntime.__version__}".encode())
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


def quantize_int8(source: Path, destination: Path) -> None:
    """Dynamic int8 quantization of the encoder's Linear layers (per output channel)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source), load_external_data=False).graph
    linear = [node.name for node in graph.node
              if node.op_type == "MatMul" and node.name.endswith(tuple(f"{part}/MatMul" for part in _QUANTIZED_LINEAR))]
    quantize_dynamic(
        str(source), str(destination), weight_type=QuantType.QInt8, per_channel=True,
        op_types_to_quantize=["MatMul"], nodes_to_quantize=linear,
    )


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
    """Runs a cached ONNX graph with the same call and results as ``ToxicityStanceNet.forward``."""

    def __init__(self, path: Path, threads: int):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle workers sleep instead of spinning, as OMP_WAIT_POLICY=PASSIVE does for torch: on a
        # busy machine spinning threads slow everyone down.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
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
