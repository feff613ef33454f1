# 党建工作平台 — the two commands: `make run` and `make test` (see README.md).
# GNU make, POSIX sh. Stamp files under .venv/ keep re-runs quick.

PYTHON ?= python3
PORT ?= 8000
VENV ?= .venv
BIN := $(VENV)/bin
DANGJIAN := $(BIN)/dangjian
# Tests keep their key files apart from the data of `make run` (var/ by default).
TEST_DATA_DIR ?= $(CURDIR)/var/test
TEST_ENV := DANGJIAN_DATA_DIR=$(TEST_DATA_DIR) PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: run test lint bench assets clean distclean help
.DEFAULT_GOAL := help

help:
	@echo "make run    安装、迁移、载入演示数据并启动 http://127.0.0.1:$(PORT)/"
	@echo "make test   代码检查 + 全部测试（SQLite，及可用时的 PostgreSQL）"
	@echo "make lint   ruff、格式、mypy、import-linter"
	@echo "make bench  性能基准（演示城市规模）"
	@echo "make clean  删除缓存与测试输出（不动 var/ 下的数据）"

$(VENV)/.created:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
	  echo "需要 Python 3.11（当前 $(PYTHON) 是 $$($(PYTHON) -V 2>&1)）。可用 make PYTHON=python3.11 指定。"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { \
	  echo "无法创建虚拟环境：请先安装 venv 模块，例如 sudo apt-get install python3.11-venv"; exit 1; }
	$(PIP) install -q --upgrade pip
	@touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(PIP) install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.created
	$(PIP) install -q -e '.[dev]'
	@touch $@ $(VENV)/.installed

# Front-end packages (npm ci, pinned by package-lock.json) copied into web/static/vendor/;
# redone when the lock file changes or the copied files are gone.
$(VENV)/.assets: package.json package-lock.json $(VENV)/.created
	@test -x $(DANGJIAN) || $(PIP) install -q -e .
	$(DANGJIAN) assets
	@touch $@
ifeq ($(wildcard src/dangjian/web/static/vendor/htmx/htmx.min.js),)
.PHONY: $(VENV)/.assets
endif

assets: $(VENV)/.assets

run: $(VENV)/.installed $(VENV)/.assets
	$(DANGJIAN) migrate --noinput
	$(DANGJIAN) demo --if-empty
	$(DANGJIAN) serve --port $(PORT)

test: $(VENV)/.installed-dev $(VENV)/.assets
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(TEST_ENV) $(DANGJIAN) makemigrations --check --dry-run
	@$(TEST_ENV) VENV=$(VENV) sh .ci/test-databases

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src
	$(BIN)/lint-imports

bench: $(VENV)/.installed-dev $(VENV)/.assets
	$(BIN)/python bench/run.py

clean:
	rm -rf test-output build dist .pytest_cache .mypy_cache .ruff_cache $(TEST_DATA_DIR)
	rm -rf src/*.egg-info
	find src tests bench -name __pycache__ -type d -prune -exec rm -rf {} +

# Also the virtual environment and the installed front-end packages (not var/: that is data).
distclean: clean
	rm -rf $(VENV) node_modules src/dangjian/web/static/vendor
