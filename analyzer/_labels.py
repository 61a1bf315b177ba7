"""The label words every stage reads (``train``, ``eval``, ``calibrate``), kept in one place so that a
file one of them takes the others take too."""

from __future__ import annotations

#: The stance classes, in the model's output order; ``F_avg`` averages the first two.
STANCE_LABELS: tuple[str, ...] = ("favor", "against", "none")
#: Stance labels as labelled sets spell them (compared in lower case): SemEval's FAVOR / AGAINST /
#: NONE, VAST's and the argument-mining sets' pro / con / neutral words.
STANCE_ALIASES = {"favor": "favor", "favour": "favor", "pro": "favor", "against": "against", "con": "against",
                  "none": "none", "neutral": "none"}
#: Binary toxicity labels as words (compared in lower case).
TOXIC_WORDS = {"1": 1, "true": 1, "yes": 1, "toxic": 1, "0": 0, "false": 0, "no": 0, "not_toxic": 0,
               "non_toxic": 0, "clean": 0}
