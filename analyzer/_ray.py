"""The Ray engine (``ScoreOptions.engine = "ray"``): the local engine's chunks, scored by a Ray Data actor pool.

``score`` reads the input, resolves targets and contexts and cuts chunks of ``ScoreOptions.chunk_size``
comments exactly as for a local run; this engine writes each chunk as a numbered Parquet input part in
``<output>.ray-parts/``. A Ray Data dataset with one row per part still to score goes through
``map_batches`` with ``batch_size=1`` over an actor pool: each actor rebuilds the driver's model once
(config and weights travel through the object store; CPU actors run the driver's backend, GPU actors
torch) and scores one whole part per call with ``scoring.score_chunk``, the function the local engine
calls, into a numbered Parquet result part. The driver then hands the result parts back in part order
and ``score`` writes the tables, sidecars and metadata as always. Same chunks, same code, same batches:
the table equals a local run's, row for row, whatever the number of actors.

Why the actors read and write the part files themselves rather than ``ray.data.read_parquet`` feeding
them: a part is then one batch by construction (Ray's readers may split or merge blocks), and file
listing runs as Ray tasks that wait for a free CPU, which never comes while the actor pool holds every
CPU of a small cluster (measured: a 2-CPU cluster with 2 actors hung). The price: on a cluster of
several machines, the output must be on storage that every node sees (NFS, a shared volume).

Resume works per part: a result part is kept when it is whole (written to a temporary file and moved
into place), was made under the same header (model, backend, targets) and holds the same comments as
the chunk the driver cuts now; every other part is scored again.

Ray is an optional dependency (the ``ray`` extra) and is imported here only.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer._files import temporary_path
from analyzer._tables import arrow_schema
from analyzer.config import FloatRecheck, ScoreOptions
from analyzer.records import SCORE_ID_COLUMNS
from analyzer.scoring import Pending, Scored, ScoreError, count_scorable, score_chunk, score_columns

if TYPE_CHECKING:
    import torch

    from analyzer.model import Model, ModelConfig

#: What to install when Ray is missing (the project's distribution name and its extra).
INSTALL_HINT = "pip install 'comment-analyzer[ray]'"
#: Input parts hold a chunk's id columns and these two: what the model reads (None: unscorable) and the context.
_MODEL_TEXT, _MODEL_CONTEXT = "model_text", "model_context"
#: Result parts carry the run's header in their Parquet metadata, so a resumed run can tell whose they are.
_HEADER_KEY = b"comment-analyzer.header"


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as error:
        raise ScoreError(f"the ray engine needs Ray, which is not installed here: {INSTALL_HINT}") from error
    return ray


# --- the cluster --------------------------------------------------------------------------------


def _join_cluster(ray: Any, address: str | None) -> bool:
    """Connect this process to a Ray cluster unless it already is; True when this call connected it."""
    if ray.is_initialized():  # the caller's own cluster (a notebook, a benchmark, a test): use it, leave it up
        return False
    starts_one = address is None and not os.environ.get("RAY_ADDRESS")
    # A cluster started for one run needs no dashboard; Ray refuses the option when joining one.
    ray.init(address=address, logging_level=logging.WARNING, **({"include_dashboard": False} if starts_one else {}))
    return True


def _gpus_per_worker(ray: Any, options: ScoreOptions) -> float:
    if options.num_gpus is not None:
        return options.num_gpus
    return 1.0 if ray.cluster_resources().get("GPU", 0) >= 1 else 0.0


def _workers(ray: Any, options: ScoreOptions, gpus: float) -> int:
    """``options.concurrency``, else as many actors as the cluster's GPUs (GPU actors) or CPUs fit."""
    if options.concurrency:
        return options.concurrency
    resources = ray.cluster_resources()
    fits = resources.get("GPU", 0) / gpus if gpus else resources.get("CPU", 1) / options.worker_cpus
    return max(1, int(fits))


def _worker_backend(model: Model, options: ScoreOptions, gpus: float) -> str:
    """CPU actors run the driver model's backend, so their scores are a local run's; GPU actors run torch."""
    if not gpus:
        return model.backend
    if options.backend not in ("auto", "torch"):
        raise ScoreError(f"the {options.backend} backend runs on CPU only: with GPU actors use --backend auto or "
                         "torch, or --num-gpus 0 for CPU actors")
    return "torch"


@contextmanager
def ray_engine(
    model: Model, options: ScoreOptions, parts_dir: Path, *, resume: bool, progress: bool
) -> Iterator[RayEngine]:
    """A Ray engine on the cluster ``options`` names (see ``ScoreOptions``), for the length of a run.

    The parts folder is removed when the run went through and kept when it failed, for ``resume``.
    """
    ray = _import_ray()
    connected = _join_cluster(ray, options.ray_address)
    try:
        gpus = _gpus_per_worker(ray, options)
        yield RayEngine(
            model, options, parts_dir.resolve(), resume=resume, progress=progress, gpus=gpus,
            workers=_workers(ray, options, gpus), backend=_worker_backend(model, options, gpus),
        )
        shutil.rmtree(parts_dir, ignore_errors=True)
    finally:
        if connected:
            ray.shutdown()


# --- the model on an actor ----------------------------------------------------------------------


@dataclass(frozen=True)
class _ModelRecipe:
    """What an actor needs to rebuild the driver's model: config and weights. The model itself does not
    travel: an ONNX Runtime session cannot be pickled, and the actor chooses its own device and threads."""

    config: ModelConfig
    weights: dict[str, torch.Tensor]
    backend: str
    device: str
    threads: int
    #: The driver's int8 recheck bands (None: int8 alone), so that an int8 actor scores as it does.
    float_recheck: FloatRecheck | None
    #: The driver's ``Model.max_tokens``: an actor reads as much of each comment as it does.
    max_tokens: int | None

    @classmethod
    def of(cls, model: Model, backend: str, device: str, threads: int) -> _ModelRecipe:
        weights = {name: tensor.detach().cpu() for name, tensor in model.net.state_dict().items()}
        return cls(model.config, weights, backend, device, threads, model.float_recheck, model.max_tokens)

    def build(self) -> Model:
        import torch

        from analyzer.model import Model, build_net

        torch.set_num_threads(self.threads)
        net = build_net(self.config)
        net.load_state_dict(self.weights)
        return Model(net, self.config, device=self.device).use_backend(
            self.backend, self.threads, float_recheck=self.float_recheck
        ).read_at_most(self.max_tokens)


class _PartScorer:
    """An actor of the pool: rebuilds the model once, then scores one whole part per call."""

    def __init__(self, recipe: _ModelRecipe, batch_size: int, header: dict[str, Any], columns: list[str]):
        self.model = recipe.build()
        self.batch_size, self.header, self.columns = batch_size, header, columns

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        for source, destination in zip(batch["input"], batch["result"]):
            rows = score_chunk(self.model, _read_input(Path(source)), self.batch_size)
            _write_result(Path(destination), rows, self.columns, self.header)
        return {"result": batch["result"]}


# --- part files ---------------------------------------------------------------------------------


def _write_atomically(path: Path, table: Any) -> None:
    import pyarrow.parquet as pq

    tmp = temporary_path(path)
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _write_input(path: Path, chunk: list[Pending]) -> None:
    import pyarrow as pa

    schema = arrow_schema(SCORE_ID_COLUMNS)
    for name in (_MODEL_TEXT, _MODEL_CONTEXT):
        schema = schema.append(pa.field(name, pa.string()))
    rows = [{**p.row, _MODEL_TEXT: p.model_text, _MODEL_CONTEXT: p.context} for p in chunk]
    _write_atomically(path, pa.Table.from_pylist(rows, schema=schema))


def _read_input(path: Path) -> list[Pending]:
    import pyarrow.parquet as pq

    return [
        Pending({c: r[c] for c in SCORE_ID_COLUMNS}, r[_MODEL_TEXT], r["target"], r[_MODEL_CONTEXT])
        for r in pq.read_table(path).to_pylist()
    ]


def _write_result(path: Path, rows: list[dict[str, Any]], columns: list[str], header: dict[str, Any]) -> None:
    import pyarrow as pa

    schema = arrow_schema(columns).with_metadata({_HEADER_KEY: json.dumps(header)})
    _write_atomically(path, pa.Table.from_pylist(rows, schema=schema))


def _read_result(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def _finished(path: Path, header: dict[str, Any], chunk: list[Pending]) -> bool:
    """Whether an earlier run left this part's result, made under ``header``, for the comments of ``chunk``."""
    import pyarrow.parquet as pq

    if not path.is_file():
        return False
    try:
        table = pq.read_table(path, columns=["article_id", "comment_id"])
        found = json.loads(table.schema.metadata[_HEADER_KEY])
    except (OSError, ValueError, KeyError, TypeError):  # unreadable, or not one of ours
        return False
    keys = list(zip(table["article_id"].to_pylist(), table["comment_id"].to_pylist()))
    return found == header and keys == [(p.row["article_id"], p.row["comment_id"]) for p in chunk]


# --- the engine ---------------------------------------------------------------------------------


@dataclass
class _Part:
    number: int
    rows: int
    scorable: int
    #: Finished by an earlier, interrupted run: its result is reused.
    kept: bool


@dataclass
class RayEngine:
    """Scores chunks as numbered parts on a Ray Data actor pool (see the module's docstring)."""

    model: Model
    options: ScoreOptions
    parts_dir: Path
    resume: bool
    progress: bool
    #: GPUs per actor (0: CPU actors), the number of actors, and the backend they run.
    gpus: float
    workers: int
    backend: str

    def describe(self) -> dict[str, Any]:
        return {"name": "ray", "workers": self.workers, "gpus_per_worker": self.gpus,
                "cpus_per_worker": self.options.worker_cpus}

    def score(self, chunks: Iterable[list[Pending]], header: dict[str, Any]) -> Iterator[Scored]:
        parts = self._write_inputs(chunks, header)
        todo = [part for part in parts if not part.kept]
        if todo:
            self._run(todo, header)
        for part in parts:
            rows = _read_result(self._result(part.number))
            yield Scored(rows, 0, part.rows) if part.kept else Scored(rows, part.scorable)

    def _input(self, number: int) -> Path:
        return self.parts_dir / f"input-{number:06d}.parquet"

    def _result(self, number: int) -> Path:
        return self.parts_dir / f"result-{number:06d}.parquet"

    def _write_inputs(self, chunks: Iterable[list[Pending]], header: dict[str, Any]) -> list[_Part]:
        """Each chunk as a numbered input part, unless resuming and its result is already there."""
        if not self.resume:
            shutil.rmtree(self.parts_dir, ignore_errors=True)
        self.parts_dir.mkdir(parents=True, exist_ok=True)
        parts = []
        for number, chunk in enumerate(chunks):
            kept = self.resume and _finished(self._result(number), header, chunk)
            if not kept:
                _write_input(self._input(number), chunk)
            parts.append(_Part(number, len(chunk), count_scorable(chunk), kept))
        return parts

    def _run(self, parts: list[_Part], header: dict[str, Any]) -> None:
        """Score ``parts`` on the actor pool; each actor writes the result parts of the parts it gets."""
        import ray

        ray.data.DataContext.get_current().enable_progress_bars = self.progress
        recipe = _ModelRecipe.of(self.model, self.backend, "cuda" if self.gpus else "cpu", self.options.worker_cpus)
        work = ray.data.from_items(
            [{"input": str(self._input(p.number)), "result": str(self._result(p.number))} for p in parts],
            override_num_blocks=len(parts),
        )
        scored = work.map_batches(
            _PartScorer, batch_size=1, compute=ray.data.ActorPoolStrategy(size=self.workers),
            fn_constructor_kwargs={"recipe": recipe, "batch_size": self.options.batch_size, "header": header,
                                   "columns": score_columns(self.model.attributes)},
            num_cpus=self.options.worker_cpus, num_gpus=self.gpus,
        )
        try:
            for _ in scored.iter_batches(batch_size=None):
                pass  # the actors write the results; iterating drives the streaming execution
        except ray.exceptions.RayError as error:  # an actor's error arrives wrapped, its traceback inside
            raise ScoreError(f"the Ray job failed; the finished parts are kept for --resume: {error}") from error
        missing = [str(self._result(p.number)) for p in parts if not self._result(p.number).is_file()]
        if missing:
            raise ScoreError(f"the Ray job ended without {len(missing)} result part(s), e.g. {missing[0]}")
