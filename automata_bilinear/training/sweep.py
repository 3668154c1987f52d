"""Sweeps: many runs, appended to a results file as they finish, locally or on Dask.

:func:`sweep_grid` spells out task × rung × hidden size × learning rate × seed from a
preset; :func:`sweep` runs the configurations whose keys the results file does not hold yet
(so an interrupted sweep resumes where it stopped) and appends each record when its run
finishes.

Where the runs go:

- ``jobs=1`` (default): in this process, one after another;
- ``jobs=N``: a pool of N worker processes (``fork`` where available);
- ``scheduler="tcp://HOST:PORT"``, a ``dask.distributed.Client``, or the environment
  variable ``DASK_SCHEDULER_ADDRESS``: an existing Dask cluster, through its
  ``concurrent.futures`` executor (``pip install 'automata_bilinear[dask]'``). An address
  that does not answer within ``timeout`` seconds is a :class:`SchedulerError`.

Every worker run pins BLAS to one thread (threadpoolctl): two OpenBLAS threads per process
on a busy core spin and slow everything down 10× or more.

A run that fails — a non-finite loss (status ``"diverged"``) or an error (status
``"error"``, with the message) — is recorded and the sweep goes on; on the next sweep an
``"error"`` run is retried (a diverged one is the result of its seed, and is not).

Examples
--------
>>> configs = sweep_grid(["cyclic:3"], ["real_diagonal", "block:2"], preset="reduced",
...                      learning_rates=[0.01], seeds=[0], steps=5)
>>> [(c.rung, c.block_size) for c in configs]
[('real_diagonal', None), ('block', 2)]
"""

from __future__ import annotations

import concurrent.futures as futures
import math
import multiprocessing
import os
import signal
import socket
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..catalog.specs import build
from ..errors import AutomataBilinearError, InvalidArgumentError, MissingDependencyError
from ..progress import progress_bar
from ..validation import is_ascii_integer
from .config import PRESETS, RECORD_FORMAT, RESULTS_VERSION, TrainConfig, preset_config
from .loop import train
from .results import append_record, read_results

__all__ = ["SchedulerError", "SweepReport", "parse_rung_choice", "run_one", "sweep",
           "sweep_grid"]

_OPTION_OF_RUNG = {"block": "block_size", "cp": "rank", "householder": "factors"}


class SchedulerError(AutomataBilinearError, ConnectionError):
    """The Dask scheduler could not be reached (or refused the work)."""


def parse_rung_choice(text: str) -> tuple[str, dict[str, int]]:
    """``"block:2"`` → ``("block", {"block_size": 2})``; ``"cp:16"`` sets the rank,
    ``"householder:2"`` the factors; a plain name has no options.

    Examples
    --------
    >>> parse_rung_choice("householder:2")
    ('householder', {'factors': 2})
    """
    if not isinstance(text, str):
        raise InvalidArgumentError(f"rung must be a string, got {type(text).__name__}")
    name, _, value = text.partition(":")
    if not value:
        return name, {}
    option = _OPTION_OF_RUNG.get(name)
    if option is None:
        raise InvalidArgumentError(f"rung {name!r} takes no ':N' option (only "
                                   f"{', '.join(f'{k}:N' for k in _OPTION_OF_RUNG)})")
    if not is_ascii_integer(value) or int(value) < 1:
        raise InvalidArgumentError(f"{text!r}: the {option} after ':' must be a positive "
                                   "integer")
    return name, {option: int(value)}


def _values(value: Any, name: str) -> tuple[Any, ...]:
    """A grid axis: a sequence, or one value (a string or number is one value, not a
    sequence of characters)."""
    if value is None:
        return ()
    if isinstance(value, (str, int, float)):
        return (value,)
    try:
        return tuple(value)
    except TypeError:
        raise InvalidArgumentError(f"{name} must be a value or a sequence of values, got "
                                   f"{type(value).__name__}") from None


def sweep_grid(tasks: Sequence[str], rungs: Sequence[str], *, preset: str = "reduced",
               hidden: Sequence[int] | None = None,
               learning_rates: Sequence[float] | None = None,
               seeds: Sequence[int] | None = None, **overrides: Any) -> list[TrainConfig]:
    """Every configuration of task × rung × hidden × learning rate × seed (the preset's
    grid and seeds unless given), each validated."""
    chosen = PRESETS.get(preset) if isinstance(preset, str) else None
    if chosen is None:
        raise InvalidArgumentError(f"unknown preset {preset!r}; presets: {', '.join(PRESETS)}")
    for name in ("lr", "seed"):
        if name in overrides:
            raise InvalidArgumentError(f"{name}: a grid takes learning_rates= and seeds= "
                                       "(sequences), not lr= or seed=")
    configs = []
    for task in _values(tasks, "tasks"):
        for rung_text in _values(rungs, "rungs"):
            rung, options = parse_rung_choice(rung_text)
            for name, value in options.items():
                if name in overrides and overrides[name] != value:
                    raise InvalidArgumentError(
                        f"rung {rung_text!r} sets {name} = {value}, but {name} = "
                        f"{overrides[name]!r} was also given")
            fixed = {k: v for k, v in overrides.items() if k not in options}
            for h in _values(hidden, "hidden") or (chosen.values["hidden"],):
                for lr in _values(learning_rates, "learning_rates") or chosen.learning_rates:
                    for seed in (chosen.seeds if seeds is None else _values(seeds, "seeds")):
                        configs.append(preset_config(preset, task, rung, lr=lr, seed=seed,
                                                     hidden=h, **options, **fixed))
    return configs


def run_one(config: dict[str, Any]) -> dict[str, Any]:
    """Run one configuration (given as :meth:`TrainConfig.to_dict`) with BLAS on one thread;
    a failure becomes a record with status ``"error"``. The worker entry point."""
    from threadpoolctl import threadpool_limits

    cfg = TrainConfig.from_dict(config)
    with threadpool_limits(limits=1):
        try:
            return train(cfg).record
        except Exception as exc:  # a failed run is recorded; the sweep goes on
            return {"format": RECORD_FORMAT, "version": RESULTS_VERSION, "key": cfg.key(),
                    "config": cfg.to_dict(), "status": "error",
                    "reason": f"{type(exc).__name__}: {exc}", "test": None}


@dataclass(frozen=True)
class SweepReport:
    """What a sweep did.

    Attributes
    ----------
    records
        The record of every distinct requested configuration, in request order (earlier
        runs read back from the results file included; a repeated configuration once).
    ran, skipped
        Runs done now, and runs found already in the file.
    path
        The results file.
    """

    records: tuple[dict[str, Any], ...]
    ran: int
    skipped: int
    path: Path


def _worker_signals() -> None:
    """In a pool worker: Ctrl-C is the parent's to handle (a worker killed mid-queue
    deadlocks the pool), and SIGTERM ends the worker plainly (not through the CLI's
    handler, which forked workers would inherit)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _process_context() -> Any:
    """``fork`` where the platform has it: ``spawn`` would re-import the caller's script in
    every worker (a script without a ``__main__`` guard would sweep recursively); each run
    pins BLAS itself, so forking a process with BLAS threads is safe."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _check_reachable(address: str, timeout: float) -> None:
    """Refuse a malformed address, or one where nothing answers within ``timeout`` seconds,
    before dask builds a client (whose failed construction leaves noise on stderr)."""
    scheme, sep, rest = address.partition("://")
    host, _, port = rest.rpartition(":")
    if not sep or scheme not in ("tcp", "tls") or not host or not port.isdigit() \
            or not 0 < int(port) < 65536:
        raise InvalidArgumentError(f"scheduler address {address!r} must look like "
                                   "tcp://HOST:PORT (or tls://HOST:PORT)")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise SchedulerError(f"could not reach the Dask scheduler at {address} within "
                             f"{timeout:g} s ({exc.strerror or type(exc).__name__})") from None


def _dask_executor(scheduler: Any, timeout: float) -> tuple[Any, Any]:
    try:
        from dask.distributed import Client
    except ImportError:
        raise MissingDependencyError("a Dask scheduler needs dask.distributed: pip install "
                                     "'automata_bilinear[dask]'") from None
    if isinstance(scheduler, Client):
        return scheduler.get_executor(), None
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise InvalidArgumentError(f"scheduler must be an address like tcp://HOST:PORT or a "
                                   f"dask Client, got {scheduler!r}")
    _check_reachable(scheduler.strip(), timeout)
    # something that accepts TCP but is not a scheduler can make the handshake hang or
    # fail oddly: connect in a thread and give up after the timeout (plus a grace second)
    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            outcome["client"] = Client(scheduler.strip(), timeout=timeout,
                                       set_as_default=False)
        except BaseException as exc:  # reported below, in the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout + 1.0)
    if "client" not in outcome:
        exc = outcome.get("error")
        detail = "no answer" if exc is None else type(exc).__name__
        raise SchedulerError(f"could not connect to a Dask scheduler at {scheduler} within "
                             f"{timeout:g} s ({detail}); is it a Dask scheduler?")
    client = outcome["client"]
    return client.get_executor(), client


def sweep(configs: Iterable[TrainConfig], results: str | os.PathLike, *, jobs: int = 1,
          scheduler: Any = None, timeout: float = 10.0, show_progress: bool = True
          ) -> SweepReport:
    """Run every configuration not yet in ``results``, appending records as runs finish.

    Parameters
    ----------
    configs
        The runs (e.g. from :func:`sweep_grid`); duplicates run once.
    results
        The JSON-lines results file (created if missing; see
        :mod:`automata_bilinear.training.results`).
    jobs
        Worker processes for a local sweep (1: in this process).
    scheduler
        A Dask scheduler address, a ``dask.distributed.Client``, or None (then
        ``DASK_SCHEDULER_ADDRESS`` if set, else local).
    timeout
        Seconds to wait for a scheduler to answer.
    show_progress
        A progress bar over the runs.
    """
    configs = list(configs)
    for c in configs:
        if not isinstance(c, TrainConfig):
            raise InvalidArgumentError(f"configs must be TrainConfig values, got "
                                       f"{type(c).__name__}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InvalidArgumentError(f"jobs must be an integer ≥ 1, got {jobs!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
            or not math.isfinite(timeout) or timeout <= 0:
        raise InvalidArgumentError(f"timeout must be a finite number of seconds > 0, got "
                                   f"{timeout!r}")
    for task in sorted({c.task for c in configs}):
        build(task)   # an unknown task fails before any run starts
    path = Path(results)
    done = read_results(path)
    todo: dict[str, TrainConfig] = {}
    for c in configs:
        # an "error" record (an exception, e.g. out of memory) is retried; a diverged run is
        # a result of its seed and is not
        if c.key() not in done or done[c.key()].get("status") == "error":
            todo.setdefault(c.key(), c)
    skipped = len({c.key() for c in configs}) - len(todo)
    if scheduler is None:
        scheduler = os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    bar = progress_bar(desc="sweep", total=len(todo), unit="run") if show_progress else None
    try:
        if scheduler is None and jobs == 1:
            for c in todo.values():
                record = run_one(c.to_dict())
                append_record(path, record)
                done[record["key"]] = record
                if bar is not None:
                    bar.update(1)
        else:
            client = None
            if scheduler is not None:
                executor, client = _dask_executor(scheduler, timeout)
            else:
                executor = futures.ProcessPoolExecutor(max_workers=jobs,
                                                       mp_context=_process_context(),
                                                       initializer=_worker_signals)
            pending: list[Any] = []
            try:
                pending = [executor.submit(run_one, c.to_dict()) for c in todo.values()]
                for future in futures.as_completed(pending):
                    record = future.result()
                    append_record(path, record)
                    done[record["key"]] = record
                    if bar is not None:
                        bar.update(1)
            except BaseException:
                for future in pending:
                    future.cancel()
                raise
            finally:
                if isinstance(executor, futures.ProcessPoolExecutor):
                    executor.shutdown(wait=True, cancel_futures=True)
                if client is not None:
                    client.close()
    finally:
        if bar is not None:
            bar.close()
    unique = {c.key(): c for c in configs}   # a grid that repeats a value runs it once
    records = tuple(done[key] for key in unique)
    return SweepReport(records, len(todo), skipped, path)
