"""Per-address throttling of failed log-ins (per-user lock-out lives in the database).

In memory and per process: enough to slow a brute-force run against one server; a
multi-process deployment adds the per-user lock-out, which is shared.
"""

import time
from collections import defaultdict, deque
from threading import Lock


class LoginThrottle:
    def __init__(self, max_failures: int = 20, window_seconds: float = 600.0) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        entries = self._failures[key]
        while entries and entries[0] < now - self.window:
            entries.popleft()
        return entries

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._prune(key, time.monotonic())) >= self.max_failures

    def record_failure(self, key: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._prune(key, now).append(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
