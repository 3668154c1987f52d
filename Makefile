# Two commands from a fresh clone: `make demo` and `make test`. Both create .venv as needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
STAMP_NB  := $(VENV)/.installed-notebooks

.PHONY: demo test lint bench reproduce notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

$(STAMP_NB): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/automata-bilinear demo

lint: $(STAMP_DEV)
	$(BIN)/ruff check .

# one test process per core (pytest-xdist), each with single-threaded BLAS: two processes
# whose BLAS threads spin against each other ran 2x slower than one
test: $(STAMP_DEV)
	$(BIN)/ruff check .
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n auto

bench: $(STAMP_DEV)
	$(BIN)/python benchmarks/bench_minimize.py
	$(BIN)/python benchmarks/bench_compile.py
	$(BIN)/python benchmarks/bench_classify.py
	$(BIN)/python benchmarks/bench_forward.py
	$(BIN)/python benchmarks/bench_pd.py
	$(BIN)/python benchmarks/bench_modern.py
	$(BIN)/python benchmarks/bench_certify.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_training.py

# The learnability tables (issue 13): about 22 minutes on 2 cores; resumes if interrupted.
reproduce: $(STAMP_DEV)
	OPENBLAS_NUM_THREADS=1 $(BIN)/automata-bilinear reproduce --out docs/results --jobs 2

notebooks: $(STAMP_NB)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info
