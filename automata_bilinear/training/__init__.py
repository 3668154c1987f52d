"""Training every trainable rung without torch: one BPTT engine, hand-written gradients,
Adam, presets, and resumable sweeps (locally or on Dask).

See docs/theory.md §15 for the protocol and :mod:`automata_bilinear.training.loop` for one
run.

Examples
--------
>>> from automata_bilinear.training import TrainConfig, train
>>> result = train(TrainConfig(task="parity", rung="real_diagonal", hidden=4, steps=200,
...                            lr=0.05, eval_lengths=(30,), eval_sequences=32))
>>> result.record["status"]
'ok'
"""

from .config import PRESETS, RESULTS_VERSION, Preset, TrainConfig, preset_config
from .engine import Adam, loss_and_gradients
from .loop import TrainResult, train
from .parameterisations import TRAINABLE_RUNGS, Parameterisation, get_parameterisation
from .results import append_record, read_results
from .sweep import SchedulerError, SweepReport, parse_rung_choice, sweep, sweep_grid
from .tasks import Task, accuracy_report, chance_normalised

__all__ = [
    "PRESETS",
    "RESULTS_VERSION",
    "TRAINABLE_RUNGS",
    "Adam",
    "Parameterisation",
    "Preset",
    "SchedulerError",
    "SweepReport",
    "Task",
    "TrainConfig",
    "TrainResult",
    "accuracy_report",
    "append_record",
    "chance_normalised",
    "get_parameterisation",
    "loss_and_gradients",
    "parse_rung_choice",
    "preset_config",
    "read_results",
    "sweep",
    "sweep_grid",
    "train",
]
