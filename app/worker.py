"""Entry point for the huey consumer: builds the app once (which imports
every module's tasks) and exposes the queue.

    huey_consumer app.worker.huey -w 2 -k thread
"""
from app import create_app
from app import queue
from app.memory import return_large_allocations

return_large_allocations()

app = create_app()
queue._worker_app = app
huey = queue.huey
