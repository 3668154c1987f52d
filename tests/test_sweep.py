"""Sweeps (issue 13): resume from the results file, a local process pool, Dask in-process
and on a loopback cluster the test starts and stops, a diverged run that does not stop the
sweep, clear errors for unreachable schedulers; the CLI; the reproduction summary."""

import json
import socket
import sys
import time

import pytest

from automata_bilinear.cli import main
from automata_bilinear.errors import MissingDependencyError
from automata_bilinear.training import read_results, sweep, sweep_grid
from automata_bilinear.training.reproduce import (
    PAPER_RESULTS,
    reproduction_configs,
    summarise,
    write_report,
)
from automata_bilinear.training.sweep import SchedulerError, parse_rung_choice

SMOKE = {"steps": 20, "eval_lengths": (12,), "eval_sequences": 8, "val_sequences": 8,
         "eval_every": 10, "hidden": 4}


def _grid(**extra):
    return sweep_grid(["cyclic:3", "parity"], ["real_diagonal", "block:2"],
                      learning_rates=[0.01], seeds=[0, 1], **{**SMOKE, **extra})


def test_a_sweep_resumes_from_its_results_file(tmp_path):
    path = tmp_path / "runs.jsonl"
    configs = _grid()
    first = sweep(configs[:5], path, show_progress=False)
    assert (first.ran, first.skipped) == (5, 0)
    second = sweep(configs, path, show_progress=False)
    assert (second.ran, second.skipped) == (len(configs) - 5, 5)
    again = sweep(configs, path, show_progress=False)
    assert again.ran == 0 and len(read_results(path)) == len(configs)
    assert [r["key"] for r in again.records] == [c.key() for c in configs]


def test_a_local_pool_gives_the_same_records_as_one_process(tmp_path):
    configs = _grid()[:4]
    serial = sweep(configs, tmp_path / "a.jsonl", show_progress=False).records
    pooled = sweep(configs, tmp_path / "b.jsonl", jobs=2, show_progress=False).records
    for a, b in zip(serial, pooled):
        assert a["key"] == b["key"] and a["curve"] == b["curve"] and a["test"] == b["test"]


def test_a_diverged_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    bad = sweep_grid(["cyclic:3"], ["full"], learning_rates=[1e6], seeds=[0], clip=None,
                     dtype="float32", **{**SMOKE, "hidden": 8})
    good = _grid()[:2]
    report = sweep(bad + good, tmp_path / "r.jsonl", show_progress=False)
    assert [r["status"] for r in report.records] == ["diverged", "ok", "ok"]
    assert "non-finite" in report.records[0]["reason"]


def test_unknown_tasks_fail_before_any_run(tmp_path):
    from automata_bilinear.errors import SpecError

    configs = _grid()[:1] + sweep_grid(["nosuch:2"], ["full"], learning_rates=[0.01],
                                       seeds=[0], **SMOKE)
    with pytest.raises(SpecError):
        sweep(configs, tmp_path / "r.jsonl", show_progress=False)
    assert not (tmp_path / "r.jsonl").exists()


def test_rung_choices_parse_and_refuse():
    assert parse_rung_choice("block:2") == ("block", {"block_size": 2})
    assert parse_rung_choice("cp:16") == ("cp", {"rank": 16})
    from automata_bilinear.errors import InvalidArgumentError
    for bad in ("full:3", "block:0", "block:x"):
        with pytest.raises(InvalidArgumentError):
            parse_rung_choice(bad)


distributed = pytest.importorskip("distributed")


def test_dask_in_process_client(tmp_path):
    from dask.distributed import Client

    configs = _grid()[:3]
    with Client(processes=False, dashboard_address=None) as client:
        report = sweep(configs, tmp_path / "d.jsonl", scheduler=client, show_progress=False)
    local = sweep(configs, tmp_path / "l.jsonl", show_progress=False)
    assert report.ran == 3
    assert [r["test"] for r in report.records] == [r["test"] for r in local.records]


def test_dask_scheduler_and_worker_on_loopback(tmp_path, monkeypatch):
    """A scheduler and a worker started here on 127.0.0.1 (and stopped here), reached by
    address — given directly and through DASK_SCHEDULER_ADDRESS."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      scheduler_port=0, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        report = sweep(_grid()[:2], tmp_path / "c.jsonl", scheduler=address,
                       show_progress=False)
        assert report.ran == 2 and all(r["status"] == "ok" for r in report.records)
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
        report = sweep(_grid()[2:4], tmp_path / "c.jsonl", show_progress=False)
        assert report.ran == 2
    assert len(read_results(tmp_path / "c.jsonl")) == 4


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_a_clear_error_within_the_timeout(tmp_path):
    started = time.perf_counter()
    with pytest.raises(SchedulerError, match="could not reach the Dask scheduler"):
        sweep(_grid()[:1], tmp_path / "r.jsonl", scheduler=f"tcp://127.0.0.1:{_closed_port()}",
              timeout=1.0, show_progress=False)
    assert time.perf_counter() - started < 20
    assert not (tmp_path / "r.jsonl").exists()


def test_missing_dask_is_a_missing_dependency(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(MissingDependencyError, match=r"automata_bilinear\[dask\]"):
        sweep(_grid()[:1], tmp_path / "r.jsonl", scheduler="tcp://127.0.0.1:1",
              show_progress=False)


def _cli(capsys, *argv):
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_cli_train_json_and_model_file(tmp_path, capsys):
    model = tmp_path / "m.npz"
    status, out, _ = _cli(capsys, "train", "parity", "--rung", "real_diagonal", "--hidden", "4",
                          "--steps", "200", "--lr", "0.05", "--eval-lengths", "30",
                          "--eval-sequences", "16", "-o", str(model), "--json")
    doc = json.loads(out)
    assert status == 0 and doc["status"] == "ok" and model.exists()
    assert doc["test"]["30"]["per_sequence"] == 1.0
    status, out, _ = _cli(capsys, "run", str(model), "--input", "1 1 0 1", "--json")
    assert status == 0 and json.loads(out)["predictions"][-1] in (1, "1")


@pytest.mark.parametrize("argv, message", [
    (["train", "parity", "--rung", "banded"], "no trainable form"),
    (["train", "parity", "--rung", "full", "--hidden", "0"], "--hidden"),
    (["train", "parity", "--rung", "full", "--lr", "nan"], "--lr"),
    (["train", "parity", "--rung", "full", "--lr", "0"], "--lr"),
    (["train", "parity", "--rung", "full", "--train-lengths", "10", "2"], "min 10 > max 2"),
    (["train", "nosuch:2", "--rung", "full"], "unknown family"),
    (["train", "parity", "--rung", "full", "--block-size", "2"], "block_size"),
    (["sweep", "--tasks", "parity", "--rungs", "full", "--results", "r.txt"], ".jsonl"),
    (["reproduce", "--preset", "tiny"], "--preset"),
])
def test_cli_training_bad_input(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = _cli(capsys, *argv, "--json")
    assert status == 2 and message in json.loads(out)["error"]["message"]
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_sweep_resumes(tmp_path, capsys):
    results = tmp_path / "r.jsonl"
    argv = ["sweep", "--tasks", "parity", "cyclic:3", "--rungs", "real_diagonal",
            "--lr", "0.01", "--seeds", "0", "--hidden", "4", "--steps", "10",
            "--eval-lengths", "12", "--eval-sequences", "4", "--results", str(results),
            "--json"]
    status, out, _ = _cli(capsys, *argv)
    assert status == 0 and json.loads(out)["ran"] == 2
    status, out, _ = _cli(capsys, *argv, "--jobs", "2")
    assert json.loads(out)["skipped"] == 2 and json.loads(out)["ran"] == 0


def _record(task, rung, lr, seed, val, acc500, acc20=1.0, status="ok", **cfg):
    return {"config": {"task": task, "rung": rung, "lr": lr, "seed": seed, "additive": False,
                       **cfg},
            "status": status, "val_loss": val,
            "test": None if status != "ok" else {
                "500": {"per_sequence_normalised": acc500},
                "20": {"per_sequence_normalised": acc20}}}


def test_summary_picks_the_learning_rate_by_validation_loss_not_test():
    records = [
        _record("cyclic:3", "full", 0.01, 0, val=0.5, acc500=0.9),   # best test, worse val
        _record("cyclic:3", "full", 0.001, 0, val=0.1, acc500=0.2),
        _record("cyclic:3", "full", 0.01, 1, val=0.3, acc500=0.6),
        _record("cyclic:3", "full", 0.001, 1, val=None, acc500=0.0, status="diverged"),
        _record("cyclic:3", "block", 0.01, 0, val=0.3, acc500=0.4, block_size=2),
        _record("cyclic:3", "block", 0.01, 1, val=None, acc500=0, status="diverged",
                block_size=2),
    ]
    rows = {r["rung"]: r for r in summarise(records)["rows"]}
    assert rows["full"]["500"]["mean"] == pytest.approx((0.2 + 0.6) / 2)
    assert rows["full"]["500"]["std"] == pytest.approx(0.2)
    assert rows["full"]["learning_rates"] == [0.001, 0.01]
    assert rows["block:2"]["500"]["mean"] == pytest.approx(0.2)   # the diverged seed is 0


def test_report_files_and_the_paper_column(tmp_path):
    records = [_record(f"cyclic:{m}", "full", 0.01, 0, val=0.1, acc500=0.5)
               for m in (2, 3, 5, 10, 25, 50)]
    meta = {"preset": "reduced", "runs": 6, "seeds": 1, "learning_rates": [0.01], "jobs": 1,
            "wall_seconds": 1.0, "cpu": "test", "train_seconds_total": 2.0}
    write_report(records, tmp_path, meta)
    text = (tmp_path / "results.md").read_text()
    assert "| full | 3 | 1.00 | 0.50 ± 0.00 | — | 1.00 ± 0.00 |" in text
    assert "| R2 (complex diagonal) | 3 | 0.00 | — | — | — |" in text
    assert json.loads((tmp_path / "summary.json").read_text())["rows"][0]["rung"] == "full"
    assert PAPER_RESULTS["random state machines"]["cp"][-1] == 0.50


def test_the_reproduction_covers_the_issue_grid():
    configs = reproduction_configs("reduced", steps=1)
    mod = {(c.task, c.rung, c.block_size) for c in configs if c.task.startswith("cyclic:")}
    assert len(mod) == 6 * 4
    rsm = {(c.task, c.rung) for c in configs if c.task.startswith("random:")}
    assert len(rsm) == 4 * 3
    assert {c.additive for c in configs if c.task == "parity"} == {False, True}
    assert len({c.seed for c in configs}) >= 3 and len({c.lr for c in configs}) == 3


def test_an_untested_length_is_left_out_not_counted_as_zero():
    record = _record("cyclic:2", "full", 0.01, 0, val=0.1, acc500=0.9)
    del record["test"]["20"]
    row = summarise([record])["rows"][0]
    assert row["500"]["mean"] == 0.9 and "20" not in row
    other = _record("cyclic:7", "full", 0.01, 0, val=0.1, acc500=0.9)   # not in the tables
    assert summarise([other])["rows"] == []


def test_rung_options_given_twice_are_refused(capsys):
    from automata_bilinear.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="block_size = 2, but block_size = 3"):
        sweep_grid(["parity"], ["block:2"], block_size=3, hidden=4)
    assert len(sweep_grid(["parity"], ["block:2"], block_size=2, hidden=4, seeds=[0],
                          learning_rates=[0.1])) == 1
    with pytest.raises(InvalidArgumentError, match="learning_rates="):
        sweep_grid(["parity"], ["full"], lr=0.1)
    status, out, _ = _cli(capsys, "train", "parity", "--rung", "block:2", "--block-size", "4",
                          "--json")
    assert status == 2 and "--block-size 4" in json.loads(out)["error"]["message"]
    status, out, _ = _cli(capsys, "sweep", "--tasks", "parity", "--rungs", "cp:2", "--rank",
                          "3", "--results", "x.jsonl", "--json")
    assert status == 2 and "rank" in json.loads(out)["error"]["message"]


def test_block_and_block_2_are_one_run():
    a = sweep_grid(["parity"], ["block"], seeds=[0], learning_rates=[0.1])[0]
    b = sweep_grid(["parity"], ["block:2"], seeds=[0], learning_rates=[0.1])[0]
    assert a == b and a.key() == b.key() and a.block_size == 2


@pytest.mark.parametrize("address", ["foo", "http://127.0.0.1:1", "tcp://h:notaport",
                                     "inproc://x", "tcp://127.0.0.1:0"])
def test_malformed_scheduler_addresses_are_refused(address, tmp_path):
    from automata_bilinear.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="tcp://HOST:PORT"):
        sweep(_grid()[:1], tmp_path / "r.jsonl", scheduler=address, show_progress=False)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), True])
def test_bad_timeouts_are_refused(timeout, tmp_path):
    from automata_bilinear.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="timeout"):
        sweep(_grid()[:1], tmp_path / "r.jsonl", timeout=timeout, show_progress=False)


def test_error_records_are_retried_on_resume(tmp_path):
    from automata_bilinear.training import append_record

    config = _grid()[0]
    path = tmp_path / "r.jsonl"
    append_record(path, {"format": "automata-bilinear-training-run", "version": 1,
                         "key": config.key(), "config": config.to_dict(), "status": "error",
                         "reason": "MemoryError: out of memory", "test": None})
    report = sweep([config], path, show_progress=False)
    assert report.ran == 1 and report.records[0]["status"] == "ok"


@pytest.mark.parametrize("argv, env, message", [
    (["sweep", "--tasks", "parity", "--rungs", "full", "--results", "r.jsonl", "--jobs", "2",
      "--scheduler", "tcp://127.0.0.1:9"], None, "drop --jobs"),
    (["sweep", "--tasks", "parity", "--rungs", "full", "--results", "r.jsonl", "--jobs", "2"],
     "tcp://127.0.0.1:9", "DASK_SCHEDULER_ADDRESS sends the runs"),
    (["sweep", "--tasks", "parity", "--rungs", "full", "--results", "r.jsonl", "--timeout",
      "5"], None, "drop --timeout"),
    (["reproduce", "--out", "res", "--jobs", "3", "--scheduler", "tcp://127.0.0.1:9"], None,
     "drop --jobs"),
])
def test_cli_refuses_options_its_mode_would_ignore(argv, env, message, capsys, tmp_path,
                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    if env is None:
        monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", env)
    status, out, err = _cli(capsys, *argv, "--json")
    error = json.loads(out)["error"]
    assert "Traceback" not in err
    assert status == 2 and message in error["message"] and error["type"] == "UsageError"
    assert list(tmp_path.iterdir()) == []  # refused before anything was written
