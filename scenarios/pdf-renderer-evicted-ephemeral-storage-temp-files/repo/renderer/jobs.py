"""One render job: HTML and assets in, a PDF in blob storage out."""

import logging
import os
import time

from renderer import blob, chromium

log = logging.getLogger(__name__)

WORKDIR = os.environ.get("RENDER_WORKDIR", "/tmp/render")


def render(job: dict) -> None:
    started = time.monotonic()
    workdir = os.path.join(WORKDIR, job["id"])
    os.makedirs(workdir, exist_ok=True)
    chromium.fetch_assets(job["assets"], workdir)
    out = os.path.join(workdir, "out.pdf")
    pages = chromium.print_to_pdf(job["html"], out)
    size = os.path.getsize(out) / 1024 / 1024
    log.info(
        "job %s: rendered %d page(s) to %s (%.1f MiB) in %.2fs",
        job["id"], pages, out, size, time.monotonic() - started,
    )
    # Keep the work directory for a retry of the upload (DOCS-311).
    blob.upload(out, f"documents/{job['id']}.pdf")
    log.info("job %s: uploaded to blob documents/%s.pdf", job["id"], job["id"])
