"""Freed memory goes back to the system (app/memory.py; DESIGN §10: Kituo +
nginx within 160 MB on a Pi 3B). Found on the emulated Pi: the huey worker
stayed 44 MB, ~10 MB over a web worker, because each worker thread's malloc
arena kept what its tasks had freed."""
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_THREAD_FREES_WHAT_IT_USED = """
import threading, sys
from app.memory import give_back_freed

def pss():
    for line in open('/proc/self/smaps_rollup'):
        if line.startswith('Pss:'):
            return int(line.split()[1]) // 1024

def work():
    chunks = [bytes(1500) for _ in range(40000)]     # ~60 MB in malloc, not pymalloc
    kept = chunks[::200]                              # a few survive: fragmentation
    del chunks
    sys.modules['__main__'].kept = kept

thread = threading.Thread(target=work)
thread.start(); thread.join()
before = pss()
assert give_back_freed()
print(before, pss())
"""


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="Linux only")
def test_memory_a_thread_freed_goes_back_to_the_system():
    done = subprocess.run([sys.executable, "-c", _THREAD_FREES_WHAT_IT_USED], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split())
    assert before - after >= 30, (before, after)


def test_the_worker_gives_memory_back_after_every_task(monkeypatch, app):
    from app import memory, queue
    calls = []
    monkeypatch.setattr(memory, "give_back_freed", lambda: calls.append(1))

    def fails():
        raise RuntimeError("the task failed")
    assert queue._run_task(lambda: "done", (), {}) == "done"
    with pytest.raises(RuntimeError):
        queue._run_task(fails, (), {})
    assert calls == [1, 1]


def test_each_web_worker_gives_memory_back_after_each_request(monkeypatch):
    from app import memory
    calls = []
    monkeypatch.setattr(memory, "give_back_freed", lambda: calls.append(1))
    settings = runpy.run_path(str(ROOT / "deploy" / "pi" / "gunicorn.conf.py"))
    settings["post_request"](None, None, {}, None)
    assert calls == [1]
