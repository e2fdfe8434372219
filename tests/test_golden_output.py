"""Golden files for output that must stay stable: regenerate with HANDGRAD_UPDATE_GOLDEN=1 after a deliberate change."""

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "explain-lesson-softmax.txt": ["explain", "softmax-ce", "--logits", "2,1,0", "--target", "0"],
    "explain-micrograd-neuron.txt": ["explain", "tanh-neuron", "--x", "2,0", "--w", "-3,1",
                                     "--b", "6.8813735870195432", "--dout", "1", "--decimals", "4"],
    "generate-text-seed-0.txt": ["generate", "--count", "4", "--seed", "0", "--difficulty", "easy"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_matches_its_golden_file(name):
    result = CliRunner().invoke(app, CASES[name], env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0
    path = GOLDEN / name
    if os.environ.get("HANDGRAD_UPDATE_GOLDEN"):
        path.write_text(result.stdout)
    assert result.stdout == path.read_text()
