# Shortcuts for the README's two commands (scripts/run and scripts/test).
.PHONY: run test clean
run:
	bash scripts/run
test:
	bash scripts/test
clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache
