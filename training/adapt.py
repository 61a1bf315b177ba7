"""Domain-adaptive masked-LM training of the base encoder on unlabeled texts, before fine-tuning.

"Don't stop pretraining" (Gururangan et al. 2020): a few epochs of the masked-LM objective on text of
the target domain, then the usual fine-tune. all-MiniLM-L6-v2 ships without its masked-LM head, so a
fresh head (tied to the frozen word embeddings) trains alone for the first part of the first epoch
before the encoder layers move. The embeddings stay frozen, as in every fine-tune here.

The recipe's ``[adapt]`` section turns it on (``epochs > 0``); the shipped model does not use it (the
model card, "Domain-adaptive masked-LM training", says what it gains and costs).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import BertConfig, BertForMaskedLM, DataCollatorForLanguageModeling

from analyzer.model import load_tokenizer, resolve_device
from training.corpora import check_unlabeled_sources

ADAPTED_ENCODER_FILE = "adapted_encoder.safetensors"
#: Label of the positions the collator left unmasked (the loss skips them).
IGNORED_LABEL = -100


@dataclass
class AdaptArguments:
    """How to adapt the encoder; ``epochs = 0`` leaves it as it is."""

    epochs: int = 0
    #: Unlabeled text sources (``training.corpora.unlabeled_texts``); none holds an evaluated text.
    sources: tuple[str, ...] = ("c3", "vast", "nk_posts", "nk_comments")
    batch_size: int = 64
    learning_rate: float = 5e-5
    #: The masked-LM head starts random, so it learns faster than the encoder.
    head_learning_rate: float = 5e-4
    #: Share of the first epoch in which only the head trains (a random head sends noise into the encoder).
    head_only_share: float = 0.25
    warmup_ratio: float = 0.06
    mask_probability: float = 0.15
    max_length: int = 256
    seed: int = 13
    #: None: "cuda" when available, else "cpu".
    device: str | None = None

    def __post_init__(self) -> None:
        self.sources = tuple(self.sources)
        if self.epochs < 0 or self.batch_size < 1:
            raise ValueError("adapt: epochs must be ≥ 0 and batch_size ≥ 1")
        check_unlabeled_sources(self.sources)

    def fingerprint(self) -> str:
        """What decides the adapted weights (the device aside): a saved encoder is reused only when it matches."""
        return json.dumps({k: v for k, v in asdict(self).items() if k != "device"}, sort_keys=True)


def _masked_lm(weights: dict[str, torch.Tensor], encoder_config: dict[str, Any]) -> BertForMaskedLM:
    net = BertForMaskedLM(BertConfig(**encoder_config))
    bert_state = {f"bert.{k}": v for k, v in weights.items() if not k.startswith("pooler.")}
    missing, _ = net.load_state_dict(bert_state, strict=False)
    if any(not name.startswith("cls.") for name in missing):
        raise ValueError(f"adapt: the encoder weights lack {[m for m in missing if not m.startswith('cls.')][:3]}")
    net.tie_weights()
    return net


def trainable_masked_lm(
    weights: dict[str, torch.Tensor], encoder_config: dict[str, Any], args: AdaptArguments, device: str
) -> tuple[BertForMaskedLM, torch.optim.AdamW]:
    """The masked-LM network in training mode with frozen embeddings, and its optimizer: the encoder
    layers are the first parameter group (learning rate ``args.learning_rate``), the head the second."""
    net = _masked_lm(weights, encoder_config).to(device).train()
    for parameter in net.bert.embeddings.parameters():  # the tied decoder weight is the word embeddings
        parameter.requires_grad_(False)
    head = [p for name, p in net.named_parameters() if name.startswith("cls.") and p.requires_grad]
    groups = [{"params": list(net.bert.encoder.parameters()), "lr": args.learning_rate},
              {"params": head, "lr": args.head_learning_rate}]
    return net, torch.optim.AdamW(groups, weight_decay=0.01)


def masked_lm_loss(
    net: BertForMaskedLM, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """``net(input_ids, attention_mask, labels=labels).loss``, with words predicted only where a token was masked.

    The projection onto the 30,522-word vocabulary costs about as much arithmetic as the six layers, and its
    logits for every position of a 64 × 256 batch take 2 GB, while only the masked 15% have a label to score
    (``eval.bench_adapt`` measures the difference).
    """
    hidden = net.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    masked = labels != IGNORED_LABEL
    return torch.nn.functional.cross_entropy(net.cls(hidden[masked]).float(), labels[masked])


def training_step(
    net: BertForMaskedLM,
    batch: dict[str, torch.Tensor],
    optimizer: torch.optim.Optimizer,
    pad_token_id: int,
    loss_function: Callable[..., torch.Tensor] = masked_lm_loss,
) -> float:
    """One optimizer step on a collated batch (bf16 autocast on CUDA); returns the loss."""
    device = next(net.parameters()).device.type
    input_ids, labels = batch["input_ids"].to(device), batch["labels"].to(device)
    with torch.autocast(device, dtype=torch.bfloat16, enabled=device == "cuda"):
        loss = loss_function(net, input_ids, (input_ids != pad_token_id).long(), labels)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_([p for group in optimizer.param_groups for p in group["params"]], 1.0)
    optimizer.step()
    return loss.item()


def adapt_encoder(
    texts: Sequence[str],
    weights: dict[str, torch.Tensor],
    encoder_config: dict[str, Any],
    args: AdaptArguments,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, torch.Tensor], list[float]]:
    """(the encoder's tensors after masked-LM training on ``texts``, under ``weights``' names; the loss per step)."""
    torch.manual_seed(args.seed)
    order_rng = random.Random(args.seed)
    device = resolve_device(args.device)
    tokenizer = load_tokenizer()
    encoded = tokenizer(list(texts), truncation=True, max_length=args.max_length)["input_ids"]
    net, optimizer = trainable_masked_lm(weights, encoder_config, args, device)
    body = optimizer.param_groups[0]["params"]
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=args.mask_probability)
    steps_per_epoch = math.ceil(len(encoded) / args.batch_size)
    total = steps_per_epoch * args.epochs
    warmup = int(args.warmup_ratio * total)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / max(warmup, 1)) * max(0.0, (total - s) / total)
    )
    head_only_steps = int(steps_per_epoch * args.head_only_share)
    losses: list[float] = []
    started = time.monotonic()
    for _ in range(args.epochs):
        order = list(range(len(encoded)))
        order_rng.shuffle(order)
        for start in range(0, len(order), args.batch_size):
            for parameter in body:
                parameter.requires_grad_(len(losses) >= head_only_steps)
            batch = collator([{"input_ids": encoded[i]} for i in order[start : start + args.batch_size]])
            losses.append(training_step(net, batch, optimizer, tokenizer.pad_token_id))
            scheduler.step()
            if len(losses) % 200 == 0 or len(losses) == total:
                log(f"adapt step {len(losses)}/{total}: masked-LM loss {sum(losses[-200:]) / len(losses[-200:]):.4f} "
                    f"({time.monotonic() - started:.0f}s)")
    adapted = {k: v.detach().float().cpu().contiguous() for k, v in net.bert.state_dict().items()}
    return {k: adapted.get(k, v) for k, v in weights.items()}, losses


def adapted_encoder_file(
    out_dir: Path,
    args: AdaptArguments,
    texts: Sequence[str],
    weights: dict[str, torch.Tensor],
    encoder_config: dict[str, Any],
    log: Callable[[str], None] = print,
) -> Path:
    """``out_dir/adapted_encoder.safetensors``, trained now unless a run with the same arguments and
    texts left it there (a resumed recipe does not adapt again)."""
    path = Path(out_dir) / ADAPTED_ENCODER_FILE
    stamp = {"adapt": args.fingerprint(), "texts_sha256": hashlib.sha256("\0".join(texts).encode("utf-8")).hexdigest()}
    if path.is_file():
        with safe_open(str(path), "pt") as saved:
            if {k: (saved.metadata() or {}).get(k) for k in stamp} == stamp:
                log(f"adapt: reusing {path}")
                return path
    log(f"adapt: masked-LM training on {len(texts)} texts for {args.epochs} epoch(s)")
    adapted, _ = adapt_encoder(texts, weights, encoder_config, args, log)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(adapted, str(path), metadata=stamp)
    return path
