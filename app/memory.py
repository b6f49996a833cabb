"""Give large freed allocations back to the operating system.

An argon2id hash takes 19 MiB and a PDF render much more; by default glibc
keeps such memory in the process after it is freed, so every gunicorn
worker that ever checked a password stays ~19 MB bigger. Allocations of
1 MiB and more go through mmap instead and return to the system when freed.
A Pi 3B has 1 GB for everything.
"""
import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3


def return_large_allocations(threshold: int = 1024 * 1024) -> bool:
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        return bool(ctypes.CDLL(name).mallopt(M_MMAP_THRESHOLD, threshold))
    except (OSError, AttributeError):  # not glibc
        return False
