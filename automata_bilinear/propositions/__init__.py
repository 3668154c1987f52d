"""The paper's propositions as computations: commutation (Prop. 2), frozen parity (Prop. 3)."""
