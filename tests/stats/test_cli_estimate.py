"""``schakel estimate`` end to end (contract: spec/estimate.md)."""

import json

import pytest
import typer
from typer.testing import CliRunner, Result

from schakel.cli import estimate as estimate_cli
from tests.stats.factory import DATA

app = typer.Typer()
app.callback()(lambda: None)  # keep "estimate" a subcommand, as in the full CLI
estimate_cli.register(app)
runner = CliRunner()


def run(*args: object) -> Result:
    return runner.invoke(app, ["estimate", *map(str, args)])


def test_json_matches_the_contract():
    result = run(DATA / "UKdat_5.csv", "--method", "aic-step", "--json")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert list(out) == [
        "lists",
        "observed",
        "estimate",
        "ci_low",
        "ci_high",
        "confidence",
        "model",
        "method",
        "interval",
    ]
    assert out["observed"] == 2744
    assert out["estimate"] == 11313.0
    assert (out["ci_low"], out["ci_high"]) == (9889.2, 13063.1)
    assert out["model"][:5] == ["LA", "NG", "PFNCA", "GO", "GP"]
    assert out["model"][5] == "LA:NG"
    assert out["method"] == "aic-step"
    assert out["interval"] == "profile-likelihood"


def test_bootstrap_option_is_seeded():
    args = (
        DATA / "NewOrl.csv",
        "--method",
        "stepwise",
        "--bootstrap",
        "12",
        "--seed",
        "4",
        "--json",
    )
    first, second = run(*args), run(*args)
    assert first.exit_code == 0
    assert first.stdout == second.stdout
    assert json.loads(first.stdout)["interval"] == "bootstrap-nonparametric"


def test_readable_table_without_json():
    result = run(DATA / "Western.csv", "--method", "stepwise")
    assert result.exit_code == 0
    assert "A:E" in result.stdout
    assert "2.483" in result.stdout


@pytest.mark.parametrize(
    ("content", "options", "keywords"),
    [
        ("A,B,count\n1,0,3\n0,1,-2\n1,1,1\n", [], ["regel 3", "negatief"]),
        ("A,B,count\n1,0,3\n0,2,2\n", [], ["regel 3", "'B'"]),
        ("A,B,count\n1,0,3\n1,0,2\n", [], ["dubbel"]),
        ("A,B,count\n1,0,3\n0,0,2\n0,1,1\n", [], ["regel 3"]),
        ("A,count\n1,3\n", [], ["twee lijsten"]),
        ("A,B,count\n1,0,2.5\n0,1,1\n", [], ["geheel"]),
        ("A,B,count\n1,0,3\n0,1,2\n1,1,1\n", ["--method", "magic"], ["magic"]),
        ("A,B,n\n1,0,3\n0,1,2\n1,1,1\n", ["--count-column", "count"], ["'count'"]),
        # Three lists without any overlap: no maximum likelihood estimate.
        (
            "A,B,C,count\n1,0,0,5\n0,1,0,4\n0,0,1,3\n",
            ["--method", "stepwise"],
            ["geen eindige"],
        ),
        # Two lists, no overlap: the main-effects estimate is infinite.
        ("A,B,count\n1,0,3\n0,1,2\n", ["--method", "main"], ["geen eindige"]),
    ],
)
def test_bad_input_exits_2_without_a_number(tmp_path, content, options, keywords):
    path = tmp_path / "in.csv"
    path.write_text(content)
    result = run(path, *options, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    for word in keywords:
        assert word in result.stderr


def test_missing_file_exits_2(tmp_path):
    result = run(tmp_path / "absent.csv", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_cli_module_defers_the_heavy_core():
    import subprocess
    import sys

    code = "import sys, schakel.cli.estimate; print('schakel.stats' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
