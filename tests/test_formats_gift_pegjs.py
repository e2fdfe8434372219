"""GIFT read by a real parser: gift-pegjs (npm), the grammar Moodle's importer follows. Skipped where node or
gift-pegjs is missing; CI installs it (`.ci/run`, NODE_PATH)."""

import json
import shutil
import subprocess

import numpy as np
import pytest

from handgrad_cli.grading import Tolerance
from tests.teach_helpers import KIND_NAMES, generate, the_set

PARSE = """
const {parse} = require('gift-pegjs');
let text = '';
process.stdin.on('data', chunk => text += chunk);
process.stdin.on('end', () => console.log(JSON.stringify(parse(text))));
"""


def gift_pegjs_found() -> bool:
    if shutil.which("node") is None:
        return False
    return subprocess.run(["node", "-e", "require.resolve('gift-pegjs')"], capture_output=True).returncode == 0


@pytest.mark.skipif(not gift_pegjs_found(), reason="node and gift-pegjs (npm) are not installed")
def test_gift_pegjs_reads_a_numerical_question_per_entry_and_a_category_per_kind():
    args = (*KIND_NAMES, "-n", str(len(KIND_NAMES)), "-d", "hard", "--seed", "2")
    parsed = json.loads(subprocess.run(["node", "-e", PARSE], input=generate(*args, "-f", "gift"), text=True,
                                       capture_output=True, check=True).stdout)
    problems = the_set(*args)
    categories = [item["title"] for item in parsed if item["type"] == "Category"]
    assert categories == [f"$course$/handgrad/{problem.kind}" for problem in problems]
    numerical = [item for item in parsed if item["type"] == "Numerical"]
    references = [float(entry) for problem in problems for value in problem.answers.values()
                  for entry in np.ravel(value)]
    assert len(numerical) == len(references)
    for item, reference in zip(numerical, references):
        assert item["choices"]["type"] == "range"
        assert item["choices"]["number"] == pytest.approx(reference, abs=1e-9)
        assert item["choices"]["range"] == pytest.approx(Tolerance().margin(reference), abs=1e-9)
