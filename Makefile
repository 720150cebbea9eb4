# The two entry points a newcomer needs are `make demo` and `make test` (see README.md).
.PHONY: setup demo test test-fast lint bench clean

PY := .venv/bin/python
# GUI tests (Kivy) need a display: use a virtual one when there is none.
XVFB := $(if $(DISPLAY),,xvfb-run -a -s "-screen 0 1280x1024x24")

setup:
	@scripts/setup.sh

demo: setup
	$(PY) scripts/demo.py $(ARGS)

test: setup
	$(XVFB) .venv/bin/pytest $(ARGS)

test-fast: setup
	.venv/bin/pytest -m "not slow and not browser and not gui" $(ARGS)

lint: setup
	.venv/bin/ruff check .

bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf .pytest_cache test-artifacts var
