"""scripts/bench: the pure helpers (parsing and percentile maths). The bench
itself measures speed; nothing here asserts a timing."""
import argparse
import importlib.machinery
import importlib.util
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_bench():
    loader = importlib.machinery.SourceFileLoader("kituo_bench", str(ROOT / "scripts" / "bench"))
    spec = importlib.util.spec_from_loader("kituo_bench", loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["kituo_bench"] = module   # dataclasses look their module up
    loader.exec_module(module)
    return module


bench = _load_bench()

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:40000/admin/users
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    39.10ms   10.20ms 180.00ms   80.00%
    Req/Sec   205.10     30.00   260.00     70.00%
  Latency Distribution
     50%   36.45ms
     75%   42.00ms
     90%   50.12ms
     99%    1.02s
  4100 requests in 10.01s, 20.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:    409.60
Transfer/sec:      2.01MB
"""


def test_percentile_nearest_rank():
    values = list(range(1, 101))          # 1..100
    assert bench.percentile(values, 50) == 50
    assert bench.percentile(values, 99) == 99
    assert bench.percentile(values, 100) == 100
    assert bench.percentile([7.5], 99) == 7.5
    assert bench.percentile([3, 1, 2], 50) == 2   # unsorted input
    assert math.isnan(bench.percentile([], 50))


def test_median_of_the_key_pages():
    assert bench.median([0.3, 0.1, 0.2]) == 0.2                # odd count, unsorted
    assert bench.median([0.1, 0.2, 0.3, 0.5]) == pytest.approx(0.25)
    assert math.isnan(bench.median([]))
    assert math.isnan(bench.median([0.2, math.nan]))           # a page without a figure


def test_wrk_durations_become_milliseconds():
    assert bench.wrk_time_ms("812.00us") == pytest.approx(0.812)
    assert bench.wrk_time_ms("4.51ms") == pytest.approx(4.51)
    assert bench.wrk_time_ms("1.20s") == pytest.approx(1200)
    with pytest.raises(ValueError):
        bench.wrk_time_ms("fast")


def test_parse_wrk_reads_throughput_percentiles_and_errors():
    result = bench.parse_wrk(WRK_OUTPUT)
    assert result["rps"] == pytest.approx(409.6)
    assert result["p50"] == pytest.approx(36.45)
    assert result["p99"] == pytest.approx(1020)
    assert result["requests"] == 4100
    assert result["non_2xx"] == 5
    assert result["socket_errors"] == 3


def test_parse_wrk_without_errors_or_latency():
    clean = "\n".join(line for line in WRK_OUTPUT.splitlines()
                      if "Socket errors" not in line and "Non-2xx" not in line)
    result = bench.parse_wrk(clean)
    assert (result["non_2xx"], result["socket_errors"]) == (0, 0)
    no_latency = "\n".join(line for line in WRK_OUTPUT.splitlines() if "%  " not in line
                           and not line.strip().startswith(("50%", "75%", "90%", "99%")))
    with pytest.raises(ValueError):
        bench.parse_wrk(no_latency)
    with pytest.raises(ValueError):
        bench.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_parse_demo_logins_keeps_first_user_per_role():
    text = ("amina    admin              password: demo-abc_DEF\n"
            "baraka   coordinator        password: demo-abc_DEF\n"
            "not a login line\n"
            "zawadi   admin              password: other\n")
    assert bench.parse_demo_logins(text) == {
        "admin": ("amina", "demo-abc_DEF"),
        "coordinator": ("baraka", "demo-abc_DEF"),
    }


def test_parse_page_option():
    assert bench.parse_page_option("admin users=admin:/admin/users?page=2") == (
        "admin users", "admin", "/admin/users?page=2")
    assert bench.parse_page_option("dashboard = safeguarding_lead : /") == (
        "dashboard", "safeguarding_lead", "/")
    for wrong in ("dashboard", "dashboard=admin", "dashboard=admin:members", "=admin:/"):
        with pytest.raises(argparse.ArgumentTypeError):
            bench.parse_page_option(wrong)


def test_parse_sizes():
    assert bench.parse_sizes("500,20000") == [500, 20000]
    assert bench.parse_sizes("20_000") == [20000]
    with pytest.raises(argparse.ArgumentTypeError):
        bench.parse_sizes("")


def test_parse_memory_from_smaps_rollup():
    text = ("55d0a0000000-7ffd00000000 ---p 00000000 00:00 0   [rollup]\n"
            "Rss:               44780 kB\nPss:               28807 kB\n"
            "Pss_Anon:          20000 kB\nShared_Clean:      16000 kB\n")
    assert bench.parse_memory(text) == {"rss": 44780, "pss": 28807}


def test_login_form_token_and_page_assets():
    page = """<html><head>
      <link rel="stylesheet" href="/static/vendor/pico.min.css">
      <link rel="icon" href="/static/icon.png">
      <link rel="alternate" href="/feed">
      <script src="/static/js/app.js" defer></script>
      <script>inline()</script>
    </head><body><img src="https://example.org/x.png">
      <form><input type="hidden" name="csrf_token" value="tok-123"><input name="username"></form>
    </body></html>"""
    assert bench.csrf_token_from(page) == "tok-123"
    assert bench.csrf_token_from("<form></form>") is None
    assert bench.asset_urls(page) == ["/static/vendor/pico.min.css", "/static/icon.png",
                                      "/static/js/app.js", "https://example.org/x.png"]


def test_dechunk():
    assert bench.dechunk(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n") == b"hello world"


def test_budget_markers():
    assert bench.ratio_marker(0.31, 0.30) == "PASS"
    assert bench.ratio_marker(0.29, 0.30) == "MISS"
    assert bench.max_marker(50.0, 50.0) == "PASS"
    assert bench.max_marker(50.1, 50.0) == "MISS"
    assert bench.ratio_marker(math.nan, 0.3) == "-"


def test_the_backup_key_comes_from_kituos_python_not_the_scripts_own():
    """scripts/bench runs under the system python3, which has no pyrage:
    --during-backup failed after measuring every page (and printed none of
    it). The key is made by the Python in --bin."""
    import subprocess
    assert "pyrage" not in (ROOT / "scripts" / "bench").read_text().split("def new_age_recipient")[0]
    venv_bin = Path(sys.executable).parent
    code = ("import importlib.machinery, importlib.util, sys; from pathlib import Path; "
            "loader = importlib.machinery.SourceFileLoader('b', 'scripts/bench'); "
            "spec = importlib.util.spec_from_loader('b', loader); "
            "m = importlib.util.module_from_spec(spec); sys.modules['b'] = m; "
            "loader.exec_module(m); "
            f"print(m.new_age_recipient(Path({str(venv_bin)!r})))")
    done = subprocess.run(["/usr/bin/python3", "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("age1")
