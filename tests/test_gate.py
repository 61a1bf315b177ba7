"""The evaluation gate: floors, fingerprints, moving floors, and the real gate on ../shared.

The fast tests drive the gate's machinery with invented checks over invented files. The ``shared``
tests run the real checks: the gate passes with the shipped model and splitter (this is how
``.ci/run`` runs ``python -m eval.gate``), and fails with a random model or a broken splitter.
"""

from __future__ import annotations

import dataclasses
import tomllib

import pytest

from eval import gate
from eval.gate import Check, DataFile, Floors, GateContext, LoweringRefused, fingerprint, run_checks, update_floors


def _check(tmp_path, name: str, value: float | Exception, slice_: str = "all rows") -> Check:
    """A check over an invented file under a fake ../shared whose metric is ``value``."""
    def measure(context: GateContext) -> float:
        if isinstance(value, Exception):
            raise value
        return value

    return Check(name, f"{name} (invented)", (DataFile("shared", f"{name}.csv"),), slice_, measure)


@pytest.fixture
def fake_shared(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    for name in ("auc", "f1"):
        (shared / f"{name}.csv").write_text("text,label\nhello,0\n", encoding="utf-8")
    return GateContext(shared=shared)


def _pinned(check: Check, context: GateContext, floor: float) -> Floors:
    return Floors({check.name: {"floor": floor, "fingerprint": fingerprint(check, context)}})


def test_fingerprint_follows_the_file_bytes_and_the_slice(tmp_path, fake_shared):
    check = _check(tmp_path, "auc", 0.9)
    before = fingerprint(check, fake_shared)
    assert before == fingerprint(check, fake_shared)
    assert fingerprint(_check(tmp_path, "auc", 0.9, slice_="sample 10"), fake_shared) != before
    (fake_shared.shared / "auc.csv").write_text("text,label\nhello,1\n", encoding="utf-8")
    assert fingerprint(check, fake_shared) != before
    (fake_shared.shared / "auc.csv").unlink()
    assert fingerprint(check, fake_shared) is None


def test_metric_at_or_above_the_floor_passes_below_fails(tmp_path, fake_shared):
    good, bad = _check(tmp_path, "auc", 0.80), _check(tmp_path, "f1", 0.59)
    floors = Floors({**_pinned(good, fake_shared, 0.80).checks, **_pinned(bad, fake_shared, 0.60).checks})
    outcomes = {o.check: o for o in run_checks([good, bad], floors, fake_shared)}
    assert outcomes["auc"].status == "pass"
    assert (outcomes["f1"].status, outcomes["f1"].measured, outcomes["f1"].note) == ("fail", 0.59, "below floor")


def test_a_crash_while_measuring_fails_with_its_reason(tmp_path, fake_shared):
    check = _check(tmp_path, "auc", RuntimeError("model file damaged"))
    [outcome] = run_checks([check], _pinned(check, fake_shared, 0.5), fake_shared)
    assert outcome.status == "fail" and "model file damaged" in outcome.note


def test_skips_when_data_is_absent_changed_or_unpinned(tmp_path, fake_shared):
    check = _check(tmp_path, "auc", 0.1)  # would fail if it were measured
    floors = _pinned(check, fake_shared, 0.9)
    (fake_shared.shared / "auc.csv").write_text("text,label\nedited,1\n", encoding="utf-8")
    [changed] = run_checks([check], floors, fake_shared)
    assert changed.status == "skip" and changed.note.startswith("data changed")
    [unpinned] = run_checks([check], Floors(), fake_shared)
    assert unpinned.status == "skip" and "no floor" in unpinned.note
    untouched = dataclasses.replace(check, unpinned=gate.CIVIL.unpinned)
    [unpinned] = run_checks([untouched], Floors(), fake_shared)
    assert unpinned.status == "skip" and "never drew from the outlet" in unpinned.note
    [absent] = run_checks([check], floors, GateContext(shared=tmp_path / "no-shared-here"))
    assert absent.status == "skip" and "absent" in absent.note


def test_update_pins_a_little_below_and_raising_needs_no_flag(tmp_path, fake_shared):
    floors = Floors()
    update_floors([_check(tmp_path, "auc", 0.8567)], floors, fake_shared, today="2026-01-01")
    assert floors.checks["auc"]["floor"] == pytest.approx(0.836)  # 0.8567 - 0.02, rounded down
    update_floors([_check(tmp_path, "auc", 0.91)], floors, fake_shared)
    assert floors.checks["auc"]["floor"] == pytest.approx(0.89)
    assert floors.lowered == []


def test_update_pins_nothing_for_a_check_that_does_not_apply_to_the_model_and_keeps_an_old_pin(tmp_path, fake_shared):
    floors = Floors({"f1": {"floor": 0.7, "fingerprint": "old"}})
    changes = update_floors([_check(tmp_path, "auc", gate.NotApplicable("trained on it")),
                             _check(tmp_path, "f1", gate.NotApplicable("trained on it"))], floors, fake_shared)
    assert "auc" not in floors.checks and floors.checks["f1"] == {"floor": 0.7, "fingerprint": "old"}
    assert changes == [f"{name}: not applicable to this model (trained on it), floor unchanged" for name in ("auc", "f1")]


def test_lowering_is_refused_without_flag_and_reason_and_recorded_with_them(tmp_path, fake_shared):
    floors = Floors()
    update_floors([_check(tmp_path, "auc", 0.90)], floors, fake_shared)
    worse = _check(tmp_path, "auc", 0.80)
    with pytest.raises(LoweringRefused, match="would lower auc 0.88 → 0.78"):
        update_floors([worse], floors, fake_shared)
    with pytest.raises(LoweringRefused, match="--reason"):
        update_floors([worse], floors, fake_shared, allow_lower=True)
    assert floors.checks["auc"]["floor"] == pytest.approx(0.88)  # untouched by the refusals
    update_floors([worse], floors, fake_shared, allow_lower=True, reason="new labels are harder", today="2026-02-02")
    assert floors.lowered == [
        {"check": "auc", "from": 0.88, "to": 0.78, "reason": "new labels are harder", "date": "2026-02-02"}
    ]


def test_floors_file_round_trips_through_toml(tmp_path, fake_shared):
    floors = Floors()
    update_floors([_check(tmp_path, "auc", 0.9)], floors, fake_shared)
    update_floors([_check(tmp_path, "auc", 0.7)], floors, fake_shared, allow_lower=True, reason='a "quoted" why')
    path = tmp_path / "floors.toml"
    floors.write(path)
    assert Floors.read(path) == floors
    assert tomllib.loads(path.read_text())["lowered"][0]["reason"] == 'a "quoted" why'


def test_cli_update_then_gate_then_refused_lowering(tmp_path, fake_shared, capsys):
    path = tmp_path / "floors.toml"
    assert gate.main(["--update-floors"], context=fake_shared, checks=[_check(tmp_path, "auc", 0.9)], floors_path=path) == 0
    assert gate.main([], context=fake_shared, checks=[_check(tmp_path, "auc", 0.9)], floors_path=path) == 0
    assert gate.main([], context=fake_shared, checks=[_check(tmp_path, "auc", 0.5)], floors_path=path) == 1
    assert gate.main(["--update-floors"], context=fake_shared, checks=[_check(tmp_path, "auc", 0.5)], floors_path=path) == 2
    assert "--allow-lower" in capsys.readouterr().err
    assert Floors.read(path).checks["auc"]["floor"] == pytest.approx(0.88)


def test_the_pinned_floors_file_names_known_checks_with_fingerprints():
    floors = Floors.read(gate.FLOORS_FILE)
    known = {c.name for c in gate.default_checks()}
    for name, entry in floors.checks.items():
        assert name in known
        assert len(entry["fingerprint"]) == 64 and entry["floor"] < entry["measured"]
    for entry in floors.lowered:
        assert entry["reason"].strip()


# --- the real gate on ../shared ----------------------------------------------------------------


def _real_outcomes(make_context, names: set[str]):
    floors = Floors.read(gate.FLOORS_FILE)
    if not names & set(floors.checks):
        pytest.skip(f"no floors pinned for {sorted(names)}")
    context = make_context()
    checks = [c for c in gate.default_checks() if c.name in names]
    outcomes = run_checks(checks, floors, context)
    if all(o.status == "skip" for o in outcomes):
        pytest.skip("; ".join(f"{o.check}: {o.note}" for o in outcomes))
    return outcomes


MODEL_CHECKS = {gate.C3.name, gate.VAST.name, gate.NK.name, gate.IMPERMIUM.name, gate.JIGSAW.name,
                gate.JIGSAW_OBSCENE.name, gate.CIVIL.name, gate.DAVIDSON.name, gate.CAT.name, gate.TOXIGEN.name}
SPLITTER_CHECKS = {gate.SPLITTER_COMMENTS.name, gate.SPLITTER_BODY.name}


@pytest.mark.shared
@pytest.mark.slow
def test_gate_passes_on_main(shared, capsys):
    """`python -m eval.gate` with the shipped model and splitter: no floor is broken."""
    if not Floors.read(gate.FLOORS_FILE).checks:
        pytest.skip("no floors pinned yet")
    code = gate.main([])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "FAIL" not in printed


@pytest.mark.shared
def test_gate_fails_with_a_random_model(shared):
    from analyzer.model import build_tiny_model

    def random_model_that_drew_from_no_outlet():
        model = build_tiny_model(seed=3)
        model.config.training = {"toxicity_outlets": []}
        return GateContext(shared=shared, model=model)

    outcomes = _real_outcomes(random_model_that_drew_from_no_outlet, MODEL_CHECKS)
    measured = [o for o in outcomes if o.status != "skip"]
    assert measured and all(o.status == "fail" for o in measured), [o.line() for o in outcomes]
    assert all(o.measured is not None for o in measured), [o.line() for o in outcomes]  # below floor, not refused


@pytest.mark.parametrize("training", [{}, {"toxicity_outlets": None}, {"toxicity_outlets": ["c3", "davidson"]}],
                         ids=["not recorded", "chain broken", "drew from davidson"])
def test_an_untouched_outlet_check_refuses_a_model_that_drew_from_it_or_cannot_say(tmp_path, training):
    from analyzer.model import build_tiny_model

    model = build_tiny_model(seed=3)
    model.config.training = training
    check = gate.DAVIDSON
    context = GateContext(shared=tmp_path, model=model)  # no data: refused before any row is read
    outcome = gate._judge(check, 0.5, context)
    assert outcome.status == "fail" and outcome.measured is None
    assert ("drew from davidson" if training.get("toxicity_outlets") else "does not record") in outcome.note


@pytest.mark.shared
def test_gate_fails_with_a_splitter_that_finds_no_comments(shared):
    def everything_is_body(lines: list[str], page_id: str) -> tuple[str, str]:
        return "\n".join(lines), ""

    context = lambda: GateContext(shared=shared, splitter=everything_is_body)  # noqa: E731
    outcomes = {o.check: o for o in _real_outcomes(context, SPLITTER_CHECKS)}
    assert outcomes[gate.SPLITTER_COMMENTS.name].status == "fail"
    assert outcomes[gate.SPLITTER_COMMENTS.name].measured == 0.0
