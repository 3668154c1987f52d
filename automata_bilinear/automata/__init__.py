"""The automaton core: machines, running them, reachability, minimisation, equivalence and
operations."""
