# The course's commands. `make demo` and `make test` work as the first
# commands on a fresh machine: each sets up what it needs, once.

SHELL := /bin/bash
VENV ?= .venv
BOOTSTRAP_PYTHON ?= python3
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
DATASET_PACKAGE := dataset-fashion-mnist
SYSTEM_DATASET := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
PIP := $(PYTHON) -m pip --disable-pip-version-check --quiet

# nbgrader shells out to alembic, which lives in the virtualenv's bin.
export PATH := $(abspath $(VENV))/bin:$(PATH)
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: setup data sandbox postgres browser demo test bench lab formgrader student-bundle release check-release clean help

help:
	@echo "make demo           generate the release and autograde example submissions, print scores"
	@echo "make test           run every test: unit, end-to-end nbgrader, nbval on each notebook"
	@echo "make bench          measure notebook, grading and training speed on this machine (build/bench/)"
	@echo "make lab            open JupyterLab as a student, on work/ (a copy of release/ that is never overwritten)"
	@echo "make formgrader     open JupyterLab as the instructor, on formgrader (grade by hand, manage the class)"
	@echo "make student-bundle build what students get: build/student-bundle/ and .zip (no solutions)"
	@echo "make release        regenerate release/ from source/ (after editing a source notebook)"
	@echo "make check-release  check that release/ is in sync with source/"
	@echo "make setup          only set up: virtualenv, requirements, Fashion-MNIST"
	@echo "make clean          remove build/ (demo work folders); keeps .venv"

setup: $(INSTALLED) data sandbox

$(INSTALLED): requirements.txt pyproject.toml
	@echo "==> Setting up $(VENV) with $$($(BOOTSTRAP_PYTHON) --version)"
	@test -x $(PYTHON) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps -e .
	@touch $@

# Installs a Debian package with apt-get (as root, or with sudo) unless FILE exists:
# $(call apt_install,PACKAGE,FILE,WHAT HAPPENS WITHOUT IT)
define apt_install
	@if [ ! -e $(2) ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "==> Installing $(1) with apt-get"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(1) >/dev/null; } \
	    || echo "warning: could not install $(1) (needs root or sudo); $(3)"; \
	fi
endef

# Fashion-MNIST from Debian's package when apt is there; otherwise Keras downloads it.
data: $(INSTALLED)
	$(call apt_install,$(DATASET_PACKAGE),$(SYSTEM_DATASET),Keras will try to download Fashion-MNIST)
	@$(PYTHON) -m course.data

# bubblewrap, the sandbox that autograde runs students' notebooks (and its
# judges) in. Without it grading warns; under CI it is an error, since the
# security tests need it.
sandbox: $(INSTALLED)
	$(call apt_install,bubblewrap,/usr/bin/bwrap,autograde will run notebooks without a sandbox and warn)
	@$(PYTHON) -m autograder sandbox-check || { [ -z "$$CI" ] || { echo "error: CI needs the sandbox" >&2; exit 1; }; }

# DEMO_ARGS narrows the demo, for example DEMO_ARGS="--assignment 01_loss_curves".
demo: setup
	$(PYTHON) -m autograder demo $(DEMO_ARGS)

# PostgreSQL, for the test that grades a class on Dask with a PostgreSQL gradebook
# (the test starts a throw-away server of its own).
postgres:
	$(call apt_install,postgresql,/usr/lib/postgresql,the PostgreSQL grading test will be skipped)

# Debian's Chromium, for the test that opens formgrader and feedback in a real browser
# (Playwright drives it; `playwright install` is never needed).
browser:
	$(call apt_install,chromium,/usr/bin/chromium,the browser test will be skipped (and fail under CI=true))

test: setup postgres browser
	$(PYTHON) -m pytest

# Measures this machine (about 90 minutes on 2 cores); BENCH_ARGS narrows it,
# for example BENCH_ARGS="--chapter 03_activation_functions --skip grading --skip seeds".
bench: setup
	$(PYTHON) -m autograder bench $(BENCH_ARGS)

# As a student: the chapters are copied into LAB_FOLDER (never over a file
# that is there), and JupyterLab gets the student's config (student/jupyter:
# Validate as the grader judges, no formgrader or Create Assignment).
LAB_FOLDER ?= work
lab: setup
	JUPYTER_CONFIG_PATH=$(abspath student/jupyter) $(PYTHON) -m course.lab $(LAB_FOLDER) --notebooks release

# As the instructor, from the course root: formgrader is a Jupyter server
# extension (there is no `nbgrader formgrader` command).
formgrader: setup
	$(VENV)/bin/jupyter lab --ServerApp.default_url=/formgrader $$([ "$$(id -u)" = 0 ] && echo --allow-root)

student-bundle: setup
	$(PYTHON) -m autograder bundle

release: setup
	$(PYTHON) -m autograder release

check-release: setup
	$(PYTHON) -m autograder release --check

clean:
	rm -rf build
