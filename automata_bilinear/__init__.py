"""automata_bilinear: finite automata, groups and exact bilinear-RNN constructions.

The toolkit is built around Ebrahimi & Memisevic, "Revisiting Bi-Linear State Transitions in
Recurrent Neural Networks" (arXiv 2505.21749). This release provides the automata core: the
Moore-machine data model, simulation, minimisation with access words and separating suffixes,
exact equivalence, products, the families of the state-tracking literature, spec strings and
file formats.

Examples
--------
>>> import automata_bilinear as ab
>>> m = ab.build("dihedral:4")
>>> m.n_states, ab.minimize(m).machine.n_states
(8, 8)
>>> ab.find_counterexample(ab.build("counter:2"), ab.build("counter:4"))
('1', '1')
"""

from . import training
from ._version import __version__
from .algebra.groups import (
    FiniteGroup,
    alternating_group,
    cayley_automaton,
    cyclic_group,
    dihedral_group,
    direct_product_group,
    group_from_sympy,
    permutation_group,
    quaternion_group,
    symmetric_group,
)
from .algebra.monoid import TransitionMonoid, transition_monoid
from .algebra.profile import AlgebraicProfile, LetterDynamics, algebraic_profile
from .automata.equivalence import are_equivalent, find_counterexample
from .automata.machine import (
    MooreMachine,
    OutputLabel,
    Word,
    decode_word,
    encode_word,
    encode_words,
    machine_from_function,
)
from .automata.minimization import Minimization, minimize
from .automata.operations import direct_product, relabel
from .automata.reachability import access_words, canonical_form, reachable_states, trim
from .automata.simulate import final_output, output_trace, random_words, run, run_batch
from .catalog.families import (
    alternating,
    counter_mod,
    cycle_navigation,
    cyclic,
    dihedral,
    even_pairs,
    flipflop,
    last_letters,
    modular_arithmetic,
    occurred,
    parity,
    quaternion,
    random_dfa,
    reset_cyclic,
    symmetric,
    threshold,
)
from .catalog.specs import FAMILIES, build, parse_spec
from .catalog.summary import machine_summary, permutation_letters
from .certify import CertificationReport, Extraction, certify, extract_automaton, word_text
from .checker.certificates import Certificate, CertificateCheck
from .checker.proof import prove, prove_stack
from .checker.regions import (
    RegionCertificate,
    RegionCheck,
    check_region_certificate,
    fingerprint,
    layered_view,
)
from .classify import ClassificationReport, RungVerdict, classify
from .compilation import (
    ConstructionUnavailableError,
    compile_bilinear,
    compile_lowest,
    compile_stack,
)
from .constructions.shift_register import perturb, shift_register_model
from .errors import (
    AutomataBilinearError,
    AutomatonError,
    ConfigurationError,
    FormatError,
    InternalConsistencyError,
    InvalidArgumentError,
    NotRepresentableError,
    OutputPathError,
    ResourceLimitError,
    SpecError,
    UnknownSymbolError,
    UsageError,
    VerificationError,
)
from .exact.wfa import hankel_rank
from .io.certificate_file import (
    load_any_certificate,
    load_certificate,
    load_region_certificate,
    save_certificate,
    save_region_certificate,
)
from .io.formats import (
    MissingDependencyError,
    automaton_from_dict,
    automaton_from_json,
    automaton_to_dict,
    automaton_to_json,
    from_automata_lib,
    from_networkx,
    load_automaton,
    save_automaton,
    to_automata_lib,
    to_dot,
    to_networkx,
)
from .io.model_file import load_model, save_model
from .io.weights import import_weights
from .limits import budget
from .model import BilinearModel, ModelError, model_fingerprint
from .propositions.prop2 import CommutationReport, commutation_check, prop2_obstruction
from .rnn import ForwardResult, RNNInputError, forward, forward_affine, forward_matrices
from .rungs import REGISTRY, RUNG_ORDER, RUNGS, Rung, get_rung
from .stack import StackedModel
from .training import TrainConfig, sweep, sweep_grid, train
from .verify import NumericalReport, VerificationReport, numerical_check, verify

__all__ = [
    "FAMILIES",
    "REGISTRY",
    "RUNGS",
    "RUNG_ORDER",
    "AlgebraicProfile",
    "AutomataBilinearError",
    "AutomatonError",
    "BilinearModel",
    "Certificate",
    "CertificateCheck",
    "CertificationReport",
    "ClassificationReport",
    "CommutationReport",
    "ConfigurationError",
    "ConstructionUnavailableError",
    "Extraction",
    "FiniteGroup",
    "FormatError",
    "ForwardResult",
    "InternalConsistencyError",
    "InvalidArgumentError",
    "LetterDynamics",
    "Minimization",
    "MissingDependencyError",
    "ModelError",
    "MooreMachine",
    "NotRepresentableError",
    "NumericalReport",
    "OutputLabel",
    "OutputPathError",
    "RNNInputError",
    "RegionCertificate",
    "RegionCheck",
    "ResourceLimitError",
    "Rung",
    "RungVerdict",
    "SpecError",
    "StackedModel",
    "TrainConfig",
    "TransitionMonoid",
    "UnknownSymbolError",
    "UsageError",
    "VerificationError",
    "VerificationReport",
    "Word",
    "__version__",
    "access_words",
    "algebraic_profile",
    "alternating",
    "alternating_group",
    "are_equivalent",
    "automaton_from_dict",
    "automaton_from_json",
    "automaton_to_dict",
    "automaton_to_json",
    "budget",
    "build",
    "canonical_form",
    "cayley_automaton",
    "certify",
    "check_region_certificate",
    "classify",
    "commutation_check",
    "compile_bilinear",
    "compile_lowest",
    "compile_stack",
    "counter_mod",
    "cycle_navigation",
    "cyclic",
    "cyclic_group",
    "decode_word",
    "dihedral",
    "dihedral_group",
    "direct_product",
    "direct_product_group",
    "encode_word",
    "encode_words",
    "even_pairs",
    "extract_automaton",
    "final_output",
    "find_counterexample",
    "fingerprint",
    "flipflop",
    "forward",
    "forward_affine",
    "forward_matrices",
    "from_automata_lib",
    "from_networkx",
    "get_rung",
    "group_from_sympy",
    "hankel_rank",
    "import_weights",
    "last_letters",
    "layered_view",
    "load_any_certificate",
    "load_automaton",
    "load_certificate",
    "load_model",
    "load_region_certificate",
    "machine_from_function",
    "machine_summary",
    "minimize",
    "model_fingerprint",
    "modular_arithmetic",
    "numerical_check",
    "occurred",
    "output_trace",
    "parity",
    "parse_spec",
    "permutation_group",
    "permutation_letters",
    "perturb",
    "prop2_obstruction",
    "prove",
    "prove_stack",
    "quaternion",
    "quaternion_group",
    "random_dfa",
    "random_words",
    "reachable_states",
    "relabel",
    "reset_cyclic",
    "run",
    "run_batch",
    "save_automaton",
    "save_certificate",
    "save_model",
    "save_region_certificate",
    "shift_register_model",
    "sweep",
    "sweep_grid",
    "symmetric",
    "symmetric_group",
    "threshold",
    "to_automata_lib",
    "to_dot",
    "to_networkx",
    "train",
    "training",
    "transition_monoid",
    "trim",
    "verify",
    "word_text",
]
