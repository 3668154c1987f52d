"""Training (issue 13): hand-written gradients against finite differences, the engine against
a plain per-sequence loop, Adam against a closed form, labels against DFA simulation, the
protocol's bad inputs, and trained models as ordinary model files."""

import json
import math

import numpy as np
import pytest

from automata_bilinear import build, load_model, save_model
from automata_bilinear.errors import (
    AutomataBilinearError,
    FormatError,
    InvalidArgumentError,
    SpecError,
)
from automata_bilinear.rnn import forward
from automata_bilinear.training import (
    PRESETS,
    TRAINABLE_RUNGS,
    Adam,
    Task,
    TrainConfig,
    accuracy_report,
    chance_normalised,
    get_parameterisation,
    loss_and_gradients,
    preset_config,
    train,
)
from automata_bilinear.training import parameterisations as P
from automata_bilinear.training.engine import clip_by_global_norm, predict_unnormalised
from automata_bilinear.training.tasks import loss_weights
from tests.oracles import simulate

OPTIONS = {"cp": {"rank": 3}, "block": {"block_size": 2}, "householder": {"factors": 2}}


def _numeric_gradient(f, theta, name, eps=1e-6):
    grad = np.zeros_like(theta[name])
    for idx in np.ndindex(grad.shape):
        plus = {k: v.copy() for k, v in theta.items()}
        minus = {k: v.copy() for k, v in theta.items()}
        plus[name][idx] += eps
        minus[name][idx] -= eps
        grad[idx] = (f(plus) - f(minus)) / (2 * eps)
    return grad


@pytest.mark.parametrize("rung", TRAINABLE_RUNGS)
def test_pullback_matches_finite_differences(rung):
    """<gA, A(θ)> differentiated numerically equals the hand-written pullback (float64)."""
    rng = np.random.default_rng(7)
    p = get_parameterisation(rung)
    D, H = 3, 4
    theta = p.init(rng, H, D, OPTIONS.get(rung, {}))
    gA = rng.standard_normal((D, H, H))
    analytic = p.pullback(theta, gA)
    for name in theta:
        if name in P.FROZEN:
            continue
        if rung == "pd" and name == "logits":
            # straight-through: the exact gradient of the soft surrogate softmax(L) diag(s)
            def f(th):
                return float((gA * (P._pd_soft(th) * th["scale"][:, None, :])).sum())
        else:
            def f(th):
                return float((gA * p.matrices(th)).sum())
        numeric = _numeric_gradient(f, theta, name)
        assert np.allclose(analytic[name], numeric, atol=1e-6, rtol=1e-5), (rung, name)


@pytest.mark.parametrize("additive", [False, True])
@pytest.mark.parametrize("final_only", [False, True])
def test_engine_gradients_match_finite_differences(additive, final_only, letter_route):
    rng = np.random.default_rng(3)
    D, H, Y, B, T = 3, 4, 3, 5, 6
    params = {"A": rng.standard_normal((D, H, H)) / 2, "h0": rng.standard_normal(H),
              "readout": rng.standard_normal((Y, H))}
    if additive:
        params["additive"] = rng.standard_normal((D, H))
    tokens = rng.integers(0, D, (B, T))
    labels = rng.integers(0, Y, (B, T))
    weights = loss_weights(rng.integers(1, T + 1, B), T, final_only)

    def loss(th):
        return loss_and_gradients(th["A"], th["h0"], th["readout"], tokens, labels, weights,
                                  th.get("additive")).loss

    out = loss_and_gradients(params["A"], params["h0"], params["readout"], tokens, labels,
                             weights, params.get("additive"))
    assert out.loss == pytest.approx(loss(params))
    for name in params:
        assert np.allclose(out.gradients[name], _numeric_gradient(loss, params, name),
                           atol=1e-6), name


@pytest.fixture(params=["stacked", "grouped"])
def letter_route(request, monkeypatch):
    """Both routes of the engine's letter products (all letters in one GEMM, or rows
    grouped by letter)."""
    from automata_bilinear.training.engine import _LetterProducts
    monkeypatch.setattr(_LetterProducts, "_STACKED_WORK",
                        2**62 if request.param == "stacked" else 0)
    return request.param


@pytest.mark.parametrize("D", [2, 40])
def test_engine_loss_equals_a_plain_loop(D, letter_route):
    """The batched loss equals a per-sequence, per-step loop written out directly."""
    rng = np.random.default_rng(5)
    H, Y, B, T = 5, 4, 7, 8
    A = rng.standard_normal((D, H, H)) / 2
    h0, C = rng.standard_normal(H), rng.standard_normal((Y, H))
    tokens, labels = rng.integers(0, D, (B, T)), rng.integers(0, Y, (B, T))
    lengths = rng.integers(1, T + 1, B)
    weights = loss_weights(lengths, T, False)
    expected = 0.0
    for b in range(B):
        h = h0.copy()
        for t in range(lengths[b]):
            h = A[tokens[b, t]] @ h
            s = C @ h
            expected -= weights[b, t] * (s[labels[b, t]] - np.log(np.exp(s).sum()))
    got = loss_and_gradients(A, h0, C, tokens, labels, weights).loss
    assert got == pytest.approx(expected, rel=1e-10)
    preds = predict_unnormalised(A, h0, C, tokens)
    h = np.tile(h0, (B, 1))
    for t in range(T):
        h = np.einsum("bij,bj->bi", A[tokens[:, t]], h)
        assert np.array_equal(preds[:, t], (h @ C.T).argmax(axis=1))


def test_adam_matches_its_closed_form_first_step_and_converges():
    x = {"w": np.array([3.0, -1.0])}
    opt = Adam(lr=0.1)
    opt.step(x, {"w": np.array([2.0, -5.0])})
    # first Adam step: m̂ = g, v̂ = g², so the step is lr · g/(|g| + eps) ≈ lr · sign(g)
    assert np.allclose(x["w"], [3.0 - 0.1, -1.0 + 0.1], atol=1e-7)
    for _ in range(500):
        opt.step(x, {"w": 2 * x["w"]})
    assert np.abs(x["w"]).max() < 1e-2


def test_clipping_scales_to_the_global_norm():
    grads = {"a": np.array([3.0]), "b": np.array([4.0])}
    assert clip_by_global_norm(grads, 1.0) == pytest.approx(5.0)
    assert grads["a"][0] == pytest.approx(0.6) and grads["b"][0] == pytest.approx(0.8)
    grads = {"a": np.array([0.3])}
    clip_by_global_norm(grads, 1.0)
    assert grads["a"][0] == 0.3


@pytest.mark.parametrize("spec", ["cyclic:5", "parity", "flipflop",
                                  "random:states=6,symbols=3,seed=2"])
def test_task_labels_follow_the_automaton(spec):
    task = Task.from_spec(spec)
    tokens, lengths = task.sample(np.random.default_rng(0), 20, 1, 9)
    labels = task.labels(tokens)
    m = task.machine
    for b in range(20):
        trace = simulate(m, [int(t) for t in tokens[b, :lengths[b]]])[1:]
        codes = [m.output_labels.index(o) for o in trace]
        assert list(labels[b, :lengths[b]]) == codes
    assert lengths.min() >= 1 and lengths.max() <= 9
    assert np.all(tokens[np.arange(9)[None, :] >= lengths[:, None]] == 0)


def test_accuracy_report_counts_by_hand():
    labels = np.array([[0, 1, 2], [1, 1, 0]])
    preds = np.array([[0, 1, 0], [1, 0, 0]])
    lengths = np.array([3, 2])
    rep = accuracy_report(preds, labels, lengths, n_labels=3)
    assert rep["per_token"] == pytest.approx(3 / 5)     # (0,1 right; 2 wrong) + (1 right, 0 wrong)
    assert rep["per_sequence"] == pytest.approx(0.0)    # last of each: 2≠0, 1≠0
    assert rep["per_token_normalised"] == pytest.approx((0.6 - 1 / 3) / (2 / 3))
    assert chance_normalised(0.5, 2) == 0.0 and chance_normalised(1.0, 7) == 1.0


def test_loss_weights_sum_to_one_and_mask_padding():
    w = loss_weights(np.array([2, 4]), 5, False)
    assert w.sum() == pytest.approx(1) and np.all(w[0, 2:] == 0) and w[0, 0] == w[1, 3]
    f = loss_weights(np.array([2, 4]), 5, True)
    assert f[0, 1] == f[1, 3] == 0.5 and f.sum() == pytest.approx(1)


def test_parity_is_learned_and_generalises_on_the_real_diagonal():
    result = train(TrainConfig(task="parity", rung="real_diagonal", hidden=4, steps=400,
                               lr=0.05, eval_lengths=(100, 500), eval_sequences=64))
    assert result.record["status"] == "ok"
    for length in ("100", "500"):
        assert result.record["test"][length]["per_sequence"] == 1.0
    # the held-out words, independently: the DFA's label of each prefix
    rng = np.random.default_rng(11)
    words = rng.integers(0, 2, (16, 300))
    preds = forward(result.model, words).predictions[:, 1:]
    assert np.array_equal(preds, np.cumsum(words, axis=1) % 2)


@pytest.mark.parametrize("rung", TRAINABLE_RUNGS)
def test_every_rung_trains_and_saves_an_ordinary_model(rung, tmp_path):
    cfg = TrainConfig(task="cyclic:3", rung=rung, hidden=6, steps=30, lr=0.01,
                      eval_lengths=(12,), eval_sequences=16, val_sequences=16, eval_every=10,
                      **OPTIONS.get(rung, {}))
    result = train(cfg)
    assert result.record["status"] == "ok", result.record["reason"]
    model = result.model
    assert model.rung == rung and model.metadata["run_key"] == cfg.key()
    path = tmp_path / "m.npz"
    save_model(model, path)
    loaded = load_model(path)
    rng = np.random.default_rng(0)
    words = rng.integers(0, 3, (8, 10))
    # normalised inference of the saved file = the unnormalised training recurrence
    # (scale invariance, docs/theory.md §1), checked on short words
    unnormalised = predict_unnormalised(loaded.transitions, loaded.h0, loaded.readout, words)
    assert np.array_equal(forward(loaded, words).predictions[:, 1:], unnormalised)
    json.dumps(result.record, allow_nan=False)


@pytest.mark.parametrize("rung", TRAINABLE_RUNGS)
def test_exported_matrices_are_the_trained_matrices(rung):
    """The saved model's A (built by the rung's own materialisation, not by training code)
    equals the parameterisation's matrices."""
    from automata_bilinear.training.loop import _export

    rng = np.random.default_rng(1)
    p = get_parameterisation(rung)
    theta = p.init(rng, 4, 3, OPTIONS.get(rung, {}))
    cfg = TrainConfig(task="cyclic:3", rung=rung, hidden=4, **OPTIONS.get(rung, {}))
    head = {"h0": np.ones(4), "readout": np.eye(3, 4)}
    model = _export(cfg, Task.from_spec("cyclic:3"), theta, head)
    assert np.allclose(model.transitions, p.matrices(theta), atol=1e-12)


def test_float32_training_runs_in_float32():
    result = train(TrainConfig(task="parity", rung="full", hidden=4, steps=50, lr=0.01,
                               dtype="float32", eval_lengths=(20,), eval_sequences=16))
    assert result.record["status"] == "ok"
    assert result.model.params["W"].dtype == np.float64   # stored as the model format wants


def test_a_non_finite_loss_stops_the_run_with_a_reason():
    result = train(TrainConfig(task="cyclic:3", rung="full", hidden=8, steps=50, lr=1e6,
                               clip=None, dtype="float32", eval_lengths=(20,),
                               eval_sequences=8))
    assert result.record["status"] == "diverged"
    assert "non-finite" in result.record["reason"] and result.model is None
    json.dumps(result.record, allow_nan=False)


def test_the_majority_baseline_counts_by_hand():
    from automata_bilinear.training.tasks import majority_baseline
    labels = np.array([[0, 2, 2], [1, 2, 0], [2, 2, 2]])
    base = majority_baseline(labels, np.array([3, 2, 1]))
    assert base["majority_per_token"] == pytest.approx(4 / 6)     # label 2 at 4 of 6 places
    assert base["majority_per_sequence"] == 1.0                   # finals: 2, 2, 2
    base = majority_baseline(labels, np.array([1, 1, 3]))
    assert base["majority_per_sequence"] == pytest.approx(1 / 3)  # finals: 0, 1, 2



def test_training_is_reproducible_from_the_seed():
    cfg = TrainConfig(task="cyclic:3", rung="cp", rank=4, hidden=4, steps=40, lr=0.01,
                      eval_lengths=(20,), eval_sequences=8)
    a, b = train(cfg), train(cfg)
    assert a.record["curve"] == b.record["curve"]
    assert np.array_equal(a.model.params["U"], b.model.params["U"])


@pytest.mark.parametrize("kwargs, message", [
    ({"rung": "banded"}, "no trainable form"),
    ({"rung": "rotation"}, "no trainable form"),
    ({"hidden": 0}, "hidden must be an integer ≥ 1"),
    ({"train_lengths": (10, 2)}, "min 10 > max 2"),
    ({"lr": 0.0}, "lr must be a finite number > 0"),
    ({"lr": -1e-3}, "lr must be a finite number > 0"),
    ({"lr": float("nan")}, "lr must be a finite number > 0"),
    ({"lr": float("inf")}, "lr must be a finite number > 0"),
    ({"rank": 3}, "option rank does not apply to rung 'full'"),
    ({"rung": "block", "block_size": 3, "hidden": 8}, "not a multiple of the block size"),
    ({"loss": "mse"}, "loss must be"),
    ({"dtype": "float16"}, "dtype must be"),
    ({"eval_lengths": (0,)}, "eval_lengths entries"),
    ({"rung": "householder", "beta_max": 3}, "beta_max must be 1"),
    ({"rung": "householder", "beta_max": True}, "beta_max must be 1"),
    ({"eval_lengths": ()}, "at least one test length"),
])
def test_bad_configurations_are_refused_by_name(kwargs, message):
    args = {"task": "parity", "rung": "full", **kwargs}
    with pytest.raises(InvalidArgumentError, match=message):
        TrainConfig(**args)


def test_an_unknown_task_is_a_spec_error():
    with pytest.raises(SpecError):
        train(TrainConfig(task="nosuch:3", rung="full", steps=1))


def test_config_keys_and_round_trip():
    cfg = preset_config("reduced", "cyclic:5", "block", block_size=2)
    assert TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    assert TrainConfig.from_dict(cfg.to_dict()).key() == cfg.key()
    assert preset_config("reduced", "cyclic:5", "block", block_size=2, seed=1).key() != cfg.key()
    with pytest.raises(InvalidArgumentError, match="unknown configuration field"):
        TrainConfig.from_dict({**cfg.to_dict(), "momentum": 0.9})
    with pytest.raises(InvalidArgumentError, match="unknown preset"):
        preset_config("huge", "parity", "full")


def test_presets_mark_their_assumptions():
    paper = PRESETS["paper"]
    assert paper.values["hidden"] == 256 and paper.values["batch"] == 64
    assert paper.values["steps"] == 100_000 and paper.learning_rates == (1e-3, 1e-4, 1e-5)
    assert paper.values["train_lengths"] == (2, 10) and 500 in paper.values["eval_lengths"]
    assert "learning_rates" in paper.assumed and "hidden" not in paper.assumed
    assert "hidden" in PRESETS["reduced"].assumed


def test_errors_belong_to_the_hierarchy():
    with pytest.raises(AutomataBilinearError):
        get_parameterisation(3)
    assert math.isfinite(train(TrainConfig(task="parity", rung="positive_diagonal",
                                           hidden=2, steps=5, eval_lengths=(5,),
                                           eval_sequences=4)).record["val_loss"])


def _valid_record(**fields):
    cfg = TrainConfig(task="parity", rung="full", **fields)
    return {"format": "automata-bilinear-training-run", "version": 1, "key": cfg.key(),
            "config": cfg.to_dict(), "status": "ok", "test": None}


def test_results_of_another_version_or_shape_are_refused(tmp_path):
    from automata_bilinear.training.results import read_results
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({**_valid_record(), "version": 2}) + "\n")
    with pytest.raises(FormatError, match="newer than this toolkit"):
        read_results(path)
    path.write_text(json.dumps({**_valid_record(), "format": "something-else"}) + "\n")
    with pytest.raises(FormatError, match="format"):
        read_results(path)
    for broken, message in ((lambda r: r.pop("status"), "status"),
                            (lambda r: r.update(key="0" * 16), "not the key"),
                            (lambda r: r.update(config={"task": "parity"}), "config"),
                            (lambda r: r.update(test=[1]), "test")):
        record = _valid_record()
        broken(record)
        path.write_text(json.dumps(record) + "\n")
        with pytest.raises(FormatError, match=message):
            read_results(path)
    path.write_text('not json\n')
    with pytest.raises(FormatError, match="line 1"):
        read_results(path)


def test_interrupted_appends_and_foreign_files(tmp_path):
    from automata_bilinear.training.results import append_record, read_results
    a, b, c = (_valid_record(seed=s) for s in (0, 1, 2))
    path = tmp_path / "r.jsonl"
    whole = json.dumps(a, separators=(",", ":"))
    path.write_text(whole + "\n" + json.dumps(b, separators=(",", ":"))[:40])  # interrupted
    assert list(read_results(path)) == [a["key"]]
    append_record(path, c)
    assert list(read_results(path)) == [a["key"], c["key"]]
    assert path.read_text().count("\n") == 2
    # a complete record without its final newline is kept, not dropped
    path.write_text(whole + "\n" + json.dumps(b))
    assert list(read_results(path)) == [a["key"], b["key"]]
    append_record(path, c)
    assert list(read_results(path)) == [a["key"], b["key"], c["key"]]
    # a file that is not a results file is refused and left alone
    path.write_text("garbage")
    with pytest.raises(FormatError):
        append_record(path, c)
    assert path.read_text() == "garbage"
    assert build("parity")  # the package still works after the refusals


def test_the_additive_model_is_saved_lifted_and_equals_the_affine_recurrence(tmp_path):
    result = train(TrainConfig(task="parity", rung="real_diagonal", hidden=3, steps=60,
                               lr=0.05, additive=True, eval_lengths=(20,), eval_sequences=16))
    model = result.model
    assert model.rung == "full" and model.hidden_size == 4 and "additive_lifted" in \
        model.metadata
    save_model(model, tmp_path / "lifted.npz")
    loaded = load_model(tmp_path / "lifted.npz")
    lam = loaded.transitions[:, :3, :3]
    words = np.random.default_rng(2).integers(0, 2, (12, 15))
    affine = predict_unnormalised(lam, loaded.h0[:3], loaded.readout[:, :3], words,
                                  result.additive)
    assert np.array_equal(forward(loaded, words).predictions[:, 1:], affine)
    # the affine oracle of rnn.forward_affine, unnormalised, agrees too
    base = load_model(tmp_path / "lifted.npz")
    assert np.allclose(base.transitions[:, :3, 3], result.additive)


def test_float32_clipping_does_not_overflow_to_zero():
    grads = {"a": np.array([1e20, 1.0], dtype=np.float32)}
    norm = clip_by_global_norm(grads, 1.0)
    assert math.isfinite(norm) and grads["a"][0] == pytest.approx(1.0)


def test_training_memory_is_estimated_before_starting():
    from automata_bilinear.errors import ResourceLimitError
    from automata_bilinear.limits import budget

    with budget(max_bytes=100_000), pytest.raises(ResourceLimitError, match="training full"):
        train(TrainConfig(task="parity", rung="full", hidden=64, steps=1))
