"""Files: automaton JSON and interop, the model .npz format, atomic writes and strict reading."""
