"""`grade --report DIR`: the files a teacher would otherwise build by hand, and the summary as JSON."""

import csv
import io
import json

from tests.teach_helpers import run
from tests.test_grade import issue, typed


def read_csv(path) -> list[dict]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the accents as UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_report_with_gradebooks_items_feedback_and_a_json_summary(tmp_path):
    (tmp_path / "class.csv").write_text("id,name,email\ns1,Zoë Ñúñez,zoe@example.org\ns2,Bo Li,\n", encoding="utf-8")
    zoe, bo = issue(tmp_path, "tanh-neuron", "-n", "1", "--students", tmp_path / "class.csv", "--seed", "2")
    a = zoe["answers"]
    rows = ["student,id,gradient,answer",
            f'zoe@example.org,1,dz,"{typed(a["dz"], sign=-1)}"',  # the sign flipped
            f'Zoë Ñúñez,1,dw,"{typed(a["dw"], sign=-1)}"',  # x * dz: follows from the wrong dz
            f's1,1,db,"{typed(a["db"])}"',
            *(f's2,1,{name},"{typed(value)}"' for name, value in bo["answers"].items())]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run("grade", tmp_path / "set.jsonl", tmp_path / "r.csv", "--report", tmp_path / "out", "-f", "json")
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "out"
    assert (out / "scores.csv").read_bytes().decode("utf-8-sig") == result.stdout
    assert read_csv(out / "gradebook.csv") == [
        {"student_id": "s1", "name": "Zoë Ñúñez", "email": "zoe@example.org", "points": "0.375", "out_of": "1",
         "percentage": "37.5"},
        {"student_id": "s2", "name": "Bo Li", "email": "", "points": "1.000", "out_of": "1", "percentage": "100.0"}]
    canvas = read_csv(out / "gradebook-canvas.csv")
    assert [(r["Student"], r["SIS User ID"], r["SIS Login ID"], r["handgrad (1 points)"]) for r in canvas] == [
        ("Zoë Ñúñez", "s1", "zoe@example.org", "0.375"), ("Bo Li", "s2", "", "1.000")]
    moodle = read_csv(out / "gradebook-moodle.csv")
    assert [(r["ID number"], r["Email address"], r["handgrad"]) for r in moodle] == [
        ("s1", "zoe@example.org", "0.375"), ("s2", "", "1.000")]
    items = {r["gradient"]: r for r in read_csv(out / "items.csv")}
    assert list(items) == ["dz", "dw", "db", "dx"]  # in the order asked
    assert (items["dz"]["share_right"], items["dz"]["common_mistakes"]) == ("0.500", "sign-flipped:1")
    assert (items["dw"]["share_right"], items["dw"]["share_right_or_carried"]) == ("0.500", "1.000")
    page = (out / "feedback" / "s1.md").read_text(encoding="utf-8")
    assert page.startswith("# Zoë Ñúñez\n\nScore: 0.375 of 1 problems.\n")
    assert "- **dz**: you wrote" in page and "Likely mistake:" in page and "The step: `dz = " in page
    assert "It follows from your dz (error carried forward)." in page and "- **dx**: you wrote no answer" in page
    assert "Every gradient right." in (out / "feedback" / "s2.md").read_text(encoding="utf-8")
    summary = json.loads(result.stderr.strip().splitlines()[-1])
    assert summary == json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["students"], summary["problems"], summary["rows_skipped"]) == (2, 2, 0)
    assert summary["common_mistakes"][0]["mistake"] == "tanh-neuron dz:sign-flipped"
