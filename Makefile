# Quick start: `make demo` plays the whole SOP on the sandbox; `make test` runs the test suite.
# Each creates the virtual environment and installs what it needs on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONPATH := layers/shared/python:.

.PHONY: demo serve test admin clean bench synth totp

$(STAMP): requirements-dev.txt layers/shared/requirements.txt layers/pdf/requirements.txt layers/identity/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	# The shared package and the repository on the venv's path, so `.venv/bin/python -m ...` works in any shell.
	$(PY) -c "import pathlib, site; pathlib.Path(site.getsitepackages()[0], 'akta-dev.pth').write_text('$(CURDIR)/layers/shared/python\n$(CURDIR)\n')"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m sandbox.demo

serve: $(STAMP)
	$(PY) -u -m sandbox.serve

# The current TOTP code of the sandbox's staff accounts (they sign in with it at the stand-in login page).
totp: $(STAMP)
	$(PY) -m sandbox.totp $(ARGS)

# e.g. make admin ARGS="--sandbox facility issue-key rsud-raden-mattaher"
admin: $(STAMP)
	$(PY) -m infra.admin $(ARGS)

test: $(STAMP)
	$(PY) -m pytest

# The production stack into cdk.out/ (layers built without Docker, cdk-nag checked); context as with the cdk CLI,
# e.g. make synth ARGS="-c alarm_email=oncall@example.go.id". Deploying: docs/deploy.md.
synth: $(STAMP)
	$(PY) infra/cdk_app.py $(ARGS)

# Benchmarks (not tests): tables on stdout, figures in bench/results/latest.json; e.g. make bench ARGS="--n 50"
bench: $(STAMP)
	$(PY) -m bench $(ARGS)

clean:
	rm -rf $(VENV) .sandbox .pytest_cache
