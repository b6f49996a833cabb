"""Turn HTML on stdin into a PDF on stdout with WeasyPrint.

Run as a script by app.pdf, never imported by the app: WeasyPrint and its
Pango/cairo libraries add ~30 MB to a process and Python never gives that
back, so a long-lived huey worker that made one PDF would carry it for
ever (DESIGN §10 memory on a Pi 3B). This short-lived process ends with the
PDF. It reads nothing but stdin and the machine's own fonts: any URL in the
HTML is refused. On failure it exits 1 with the error's kind on stderr (never
the document: it holds personal data).
"""
import sys


def _no_network(url: str, *args, **kwargs):
    raise ValueError(f"PDF may not fetch {url!r}: everything must be inline")


def main() -> int:
    try:
        html = sys.stdin.buffer.read().decode("utf-8")
        from weasyprint import HTML
        pdf = HTML(string=html, url_fetcher=_no_network).write_pdf()
    except Exception as error:  # noqa: BLE001 - reported to the parent
        sys.stderr.write(f"{type(error).__name__}\n")
        return 1
    sys.stdout.buffer.write(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
