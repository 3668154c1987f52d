"""The trusted part: exact proofs about stored arrays and the certificate checker."""
