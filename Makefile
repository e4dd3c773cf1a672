.PHONY: run test lint up bench
run:   ## the platform on its embedded default
	./scripts/run.sh
test:  ## lint, types and every test tier
	./scripts/test.sh
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy
up:    ## the full stack in containers (needs a Docker engine)
	docker compose up --build
bench: ; .venv/bin/python -m bench $(BENCH_ARGS)  ## raw ceilings beside the platform (docs/performance.md); BENCH_ARGS=--smoke
