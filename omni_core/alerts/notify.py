"""Notifiers: the log, and a webhook (JSON POST, e.g. a WeCom group robot) that never blocks."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import urllib.request
from typing import Any

log = logging.getLogger("omni.alerts")


class Notifier:
    """Send alert payloads to the log and, if configured, to a webhook from a worker thread.

    ``send`` only enqueues (O(1)), so a slow or dead webhook cannot stall a tick. Each POST has a
    timeout and ``retries`` retries with exponential backoff; failures are logged and counted.
    ``style="wecom"`` wraps the text as a WeCom robot markdown message.
    """

    def __init__(
        self,
        webhook_url: str | None = None,
        *,
        timeout: float = 3.0,
        retries: int = 2,
        backoff: float = 0.5,
        style: str = "json",
        max_queue: int = 1000,
    ) -> None:
        if webhook_url is not None and not webhook_url.startswith(("http://", "https://")):
            raise ValueError(
                f"webhook URL must start with http:// or https://, got {webhook_url!r}"
            )
        if style not in ("json", "wecom"):
            raise ValueError("style must be 'json' or 'wecom'")
        self.webhook_url = webhook_url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.style = style
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self._q: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=max_queue)
        self._worker: threading.Thread | None = None
        if webhook_url:
            self._worker = threading.Thread(target=self._run, name="omni-webhook", daemon=True)
            self._worker.start()

    def send(self, payload: dict[str, Any]) -> None:
        """Log now; enqueue for the webhook (dropped and counted if the queue is full)."""
        log.warning("ALERT %s", json.dumps(payload, ensure_ascii=False, default=str))
        if not self.webhook_url:
            return
        try:
            self._q.put_nowait(payload)
        except queue.Full:
            self.dropped += 1

    def _body(self, payload: dict[str, Any]) -> bytes:
        if self.style == "wecom":
            text = payload.get("text") or json.dumps(payload, ensure_ascii=False, default=str)
            return json.dumps({"msgtype": "markdown", "markdown": {"content": text}},
                              ensure_ascii=False).encode()  # fmt: skip
        return json.dumps(payload, ensure_ascii=False, default=str).encode()

    def _post(self, payload: dict[str, Any]) -> bool:
        req = urllib.request.Request(
            self.webhook_url, data=self._body(payload), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )  # fmt: skip
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    if 200 <= resp.status < 300:
                        return True
            except OSError as e:
                log.info("webhook attempt %d failed: %s", attempt + 1, e)
            time.sleep(self.backoff * (2**attempt))
        return False

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            if self._post(item):
                self.sent += 1
            else:
                self.failed += 1
                log.error("webhook gave up after %d attempts", self.retries + 1)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until the queue is empty (tests)."""
        end = time.monotonic() + timeout
        while not self._q.empty() and time.monotonic() < end:
            time.sleep(0.02)

    def close(self) -> None:
        """Stop the worker."""
        if self._worker is not None:
            self._q.put(None)
