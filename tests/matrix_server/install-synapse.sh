#!/usr/bin/env bash
# Install Synapse, the Matrix homeserver the Matrix end-to-end tests run against, into its
# own virtual environment outside the repository (never into the project's .venv).
# Idempotent: does nothing when that venv already holds the pinned version.
#
# Environment:
#   TARJOTIN_SYNAPSE_VENV    where the venv lives (default ~/.cache/tarjotin/synapse-venv)
#   TARJOTIN_SYNAPSE_PYTHON  interpreter to build it with (default python3.11, else python3)
set -euo pipefail

SYNAPSE_VERSION="1.163.2"
HERE="$(cd "$(dirname "$0")" && pwd)"
CONSTRAINTS="$HERE/synapse-constraints.txt"
VENV="${TARJOTIN_SYNAPSE_VENV:-$HOME/.cache/tarjotin/synapse-venv}"
PYTHON="${TARJOTIN_SYNAPSE_PYTHON:-python3.11}"
STAMP="$VENV/.tarjotin-synapse-$SYNAPSE_VERSION"

if [ -f "$STAMP" ] && "$VENV/bin/python" -c "import synapse" 2>/dev/null; then
    echo "install-synapse: Synapse $SYNAPSE_VERSION already in $VENV"
    exit 0
fi

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    PYTHON=python3
fi

start=$(date +%s)
echo "install-synapse: installing Synapse $SYNAPSE_VERSION into $VENV with $PYTHON"
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV"
pip_args=(--quiet --disable-pip-version-check --no-input)
if [ -f "$CONSTRAINTS" ]; then
    pip_args+=(-c "$CONSTRAINTS")
fi
"$VENV/bin/python" -m pip install "${pip_args[@]}" --upgrade pip
"$VENV/bin/python" -m pip install "${pip_args[@]}" "matrix-synapse==$SYNAPSE_VERSION"
"$VENV/bin/python" -c "import synapse; assert synapse.__version__ == '$SYNAPSE_VERSION', synapse.__version__"
touch "$STAMP"
echo "install-synapse: done in $(( $(date +%s) - start )) s"
