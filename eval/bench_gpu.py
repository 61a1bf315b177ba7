"""The GPU scoring path alone: ``python -m eval.bench_gpu [--device auto|cuda|cpu] [--comments N]``.

Writes ``reports/benchmarks/gpu.json`` and ``gpu.md``. ``Model.predict`` on real news comments
(``eval.news_comments``) toward one target, all comments in one call: the model alone, without the
reading and writing of ``score`` (``bench_speed`` and ``bench_ray`` measure those). On one device:

* torch in float32 (the reference scores), float16 and bfloat16 (the network cast; token ids and masks
  unchanged), at batch sizes 16 to 256: comments/s and peak GPU memory (``torch.cuda.max_memory_allocated``);
* length bucketing: ``predict`` sorts a call's windows by length before cutting batches; without it
  (each batch of comments scored by a call of its own, in input order) a batch pads to its longest comment;
* ONNX Runtime's CUDA provider on the float graph, when the installed onnxruntime has it (the pinned
  CPU package has not; ``onnxruntime-gpu`` has);
* the CPU default (ONNX Runtime int8 on every core) on the same comments, in the same run.

Every variant's probabilities (toxicity attributes and stance) are compared with float32 torch on the
same device; a variant is only worth its speed when the largest difference stays within ``TOLERANCE``.

``--device cpu`` rehearses the whole script where no GPU is lent (use a small ``--comments``); the
report then says that no GPU was measured.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench_speed import invoked_command, log_to_stderr, write_results
from eval.gate import SHARED
from eval.news_comments import load_news_comments

OUT_DIR = Path("reports/benchmarks")
TARGET = "the government"
DTYPES = ("float32", "float16", "bfloat16")
BATCH_SIZES = (16, 64, 128, 256)
#: The batch size of the runs without length bucketing.
UNBUCKETED_BATCH = 128
#: Largest difference of any probability from float32 that a faster variant may show.
TOLERANCE = 0.005


def probabilities(predictions: list[Any]) -> np.ndarray:
    """[comments, attributes + stances] of every probability a prediction holds."""
    return np.array([[*p.toxicity.values(), *(p.stance or {}).values()] for p in predictions], dtype=np.float64)


def timed_predict(model: Any, texts: list[str], batch_size: int, bucketing: bool, device: str) -> dict[str, Any]:
    """Comments/s and peak GPU memory of scoring ``texts``, after a one-batch warm-up; with the probabilities."""
    import torch

    model.predict(texts[:batch_size], TARGET, batch_size=batch_size)  # kernels chosen, memory pools grown
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    if bucketing:
        predictions = model.predict(texts, TARGET, batch_size=batch_size)
    else:
        predictions = [p for i in range(0, len(texts), batch_size)
                       for p in model.predict(texts[i : i + batch_size], TARGET, batch_size=batch_size)]
    seconds = time.perf_counter() - started
    peak = torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else None
    return {"seconds": round(seconds, 2), "comments_per_s": round(len(texts) / seconds, 1),
            "peak_gpu_mib": None if peak is None else round(peak, 1), "scores": probabilities(predictions)}


def torch_model(model_dir: Path | None, device: str, dtype: str) -> Any:
    import torch

    from analyzer.model import load_model

    model = load_model(model_dir, device=device, backend="torch")
    model.net.to(getattr(torch, dtype))
    return model


def onnx_cuda_model(model_dir: Path | None, device: str) -> tuple[Any, str]:
    """The float ONNX graph on ONNX Runtime's CUDA provider, or None and why not."""
    import onnxruntime

    from analyzer._onnx import OnnxNetwork
    from analyzer.model import load_model

    providers = onnxruntime.get_available_providers()
    if "CUDAExecutionProvider" not in providers:
        return None, (f"not measured: the installed onnxruntime {onnxruntime.__version__} has no "
                      f"CUDAExecutionProvider (it has {', '.join(providers)}); onnxruntime-gpu in its place has")
    if not device.startswith("cuda"):
        return None, "not measured: no GPU in this run"
    model = load_model(model_dir, device="cpu", backend="onnx")
    # The graph torch's "onnx" backend runs, moved to CUDA's provider: no public switch, as scoring keeps ONNX on CPU.
    model._forward = OnnxNetwork(model._forward.path, 1, providers=("CUDAExecutionProvider", "CPUExecutionProvider"))
    return model, ""


def benchmark(
    device: str, comments: int, cores: int, model_dir: Path | None, log, shared: Path = SHARED
) -> dict[str, Any]:
    import torch

    from analyzer.model import load_model

    texts = [text for _, text in load_news_comments(shared)[:comments]]
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine(),
                    "cores": cores, "torch": torch.__version__,
                    "gpu": torch.cuda.get_device_name(device) if device.startswith("cuda") else None},
        "device": device, "comments": len(texts), "target": TARGET,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "runs": [],
    }

    def record(variant: str, dtype: str, batch_size: int, bucketing: bool, model: Any, run_device: str) -> np.ndarray:
        log(f"{variant} {dtype} batch {batch_size}{'' if bucketing else ' unbucketed'} …")
        run = timed_predict(model, texts, batch_size, bucketing, run_device)
        scores = run.pop("scores")
        results["runs"].append({"variant": variant, "dtype": dtype, "batch_size": batch_size,
                                "bucketing": bucketing, **run, "scores": scores})
        log(f"  {run}")
        return scores

    reference = None
    for dtype in DTYPES:
        model = torch_model(model_dir, device, dtype)
        for batch_size in BATCH_SIZES:
            scores = record("torch", dtype, batch_size, True, model, device)
            reference = scores if reference is None else reference
        record("torch", dtype, UNBUCKETED_BATCH, False, model, device)
        del model
    model, why_not = onnx_cuda_model(model_dir, device)
    if model is not None:
        for batch_size in BATCH_SIZES:
            record("onnxruntime-cuda", "float32", batch_size, True, model, "cpu")
    results["onnxruntime_cuda"] = why_not or "measured"
    torch.set_num_threads(cores)
    cpu_model = load_model(model_dir, device="cpu", threads=cores)  # the CPU default, "auto": int8 in ONNX Runtime
    record(f"CPU default ({cpu_model.backend}, {cores} threads)", "int8", 16, True, cpu_model, "cpu")
    for run in results["runs"]:
        run["max_abs_difference"] = float(np.abs(run.pop("scores") - reference).max())
        run["within_tolerance"] = run["max_abs_difference"] <= TOLERANCE
    return results


def render_markdown(results: dict[str, Any], command: str) -> str:
    machine = results["machine"]
    on_gpu = results["device"].startswith("cuda")
    lines = ["# The GPU scoring path", "",
             f"Reproduce: `{command}` (one run; compare within it).", ""]
    if not on_gpu:
        lines += ["**No GPU was available for this run.** Everything below ran on the CPU "
                  f"(`--device {results['device']}`, {results['comments']} comments): a rehearsal showing that the "
                  "script runs end to end, not a measurement of the GPU path. Run it on a machine with a CUDA "
                  "device (`python -m eval.bench_gpu`) for the real figures.", ""]
    lines += [f"Device: {machine['gpu'] or 'CPU'}; {machine['cpu']}, {machine['cores']} cores, torch {machine['torch']}, "
              f"Python {machine['python']}; {results['created_at']}.", "",
              f"Input: the first {results['comments']} real news comments (C3, then Civil Comments, from ../shared) "
              f"toward \"{results['target']}\"; `Model.predict` on all of them in one call (no reading or writing). "
              f"Score difference: the largest |difference| of any probability from torch float32 on the same device; "
              f"a variant passes at ≤ {TOLERANCE}.", "",
              "| variant | dtype | batch | bucketing | comments/s | seconds | peak GPU memory (MiB) | max difference | passes |",
              "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- |"]
    for r in results["runs"]:
        memory = "–" if r["peak_gpu_mib"] is None else f"{r['peak_gpu_mib']:.0f}"
        lines.append(f"| {r['variant']} | {r['dtype']} | {r['batch_size']} | {'yes' if r['bucketing'] else 'no'} | "
                     f"{r['comments_per_s']} | {r['seconds']} | {memory} | {r['max_abs_difference']:.1e} | "
                     f"{'yes' if r['within_tolerance'] else 'no'} |")
    lines += ["", f"ONNX Runtime CUDA: {results['onnxruntime_cuda']}.", "",
              "Bucketing \"no\": each batch of comments is its own `predict` call in input order, so a batch pads "
              "to its longest comment (a long comment's windows are still sorted within its call). The last row "
              "is the CPU default in the same run, the figure a GPU has to beat; its difference is int8's own "
              "(what that costs on the validation sets: reports/benchmarks/speed.md), the tolerance is for the "
              "GPU variants.", ""]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_gpu", description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="auto", help="auto (cuda when present, else a CPU rehearsal), cuda, cpu")
    parser.add_argument("--comments", type=int, help="comments scored per run (default 20,000 on a GPU, 64 on CPU)")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1, help="threads of the CPU default run")
    parser.add_argument("--model", type=Path, help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--shared", type=Path, default=SHARED,
                        help="the shared folder holding the news comments (default: ../shared)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import torch

    args = parse_args(argv)
    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    comments = args.comments or (20_000 if device.startswith("cuda") else 64)
    try:
        results = benchmark(device, comments, args.cores, args.model, log_to_stderr, args.shared)
    except FileNotFoundError as error:
        log_to_stderr(f"skipped: the real news comments are not here ({error})")
        return 0
    markdown = render_markdown(results, invoked_command("eval.bench_gpu", argv))
    write_results(args.out_dir, "gpu", results, markdown)
    log_to_stderr(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
