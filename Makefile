.PHONY: run test lint up
run:   ## the platform on its embedded default
	./scripts/run.sh
test:  ## lint, types and every test tier
	./scripts/test.sh
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy
up:    ## the full stack in containers (needs a Docker engine)
	docker compose up --build
