"""Pre-compressed static files are served only while they are up to date."""
import gzip
import os


def test_a_stale_gz_is_never_served(app, client, tmp_path):
    app.static_folder = str(tmp_path)
    css = tmp_path / "app.css"
    css.write_text("body { color: red; }")
    (tmp_path / "app.css.gz").write_bytes(gzip.compress(b"body { color: blue; }"))
    os.utime(tmp_path / "app.css.gz", (1, 1))          # older than app.css: left over
    response = client.get("/static/app.css", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") is None
    assert b"red" in response.data
    os.utime(tmp_path / "app.css.gz", None)            # made again: fresh
    response = client.get("/static/app.css", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == b"body { color: blue; }"
