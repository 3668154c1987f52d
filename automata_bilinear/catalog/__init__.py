"""The named tasks: families of automata, the spec language, summaries."""
