"""A daemon thread calling a function every few seconds until stopped (widget updates from a thread are
sent on the kernel's IOPub channel, which ipykernel makes thread-safe)."""
from __future__ import annotations

import threading
from typing import Callable


class Ticker:
    def __init__(self, interval: float, fn: Callable[[], bool | None], name: str) -> None:
        self.interval, self.fn = interval, fn
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> "Ticker":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    @property
    def running(self) -> bool:
        return self.thread.is_alive() and not self._stop.is_set()

    def _run(self) -> None:
        # fn returns True when there is nothing more to do; an error must not kill her kernel's output.
        while not self._stop.wait(self.interval):
            try:
                if self.fn():
                    return
            except Exception:  # noqa: BLE001 — keep ticking; the widget shows its own message
                pass
