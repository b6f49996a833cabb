"""Entry point for the huey consumer: builds the app once (which imports
every module's tasks) and exposes the queue.

    huey_consumer app.worker.huey -w 2 -k thread
"""
import os

from app import create_app
from app import queue
from app.memory import return_large_allocations

return_large_allocations()
# Background work (backups, PDFs, imports) gives way to people's page loads:
# the worker threads inherit this lower CPU priority. The Pi's unit also sets
# Nice= and an idle I/O class (deploy/pi/kituo-worker.service).
os.nice(10)

app = create_app()
queue._worker_app = app
huey = queue.huey


for name, count in queue.put_back_interrupted_work(app).items():
    if count:
        app.logger.warning("worker start: %s put back %d interrupted item(s)", name, count)
