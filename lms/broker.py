"""The embedded broker: kombu's filesystem transport, made responsive and safe for several workers.

``lms/celery.py`` registers it for ``filesystem://`` URLs (the default broker, folders under
``var/broker/``), so a worker takes a message within ``polling_interval`` (0.1 s) of its
arrival and drains hundreds a second where kombu's takes about one. What differs from
``kombu.transport.filesystem``:

- **Waiting.** Kombu sleeps ``polling_interval`` (1 s) after every poll that returns
  nothing, and a poll returns nothing whenever the worker holds its prefetch (one message
  per pool process). The prefetch frees up only when the worker acknowledges, and Celery's
  loop for such transports (``celery.worker.loops.synloop``) acknowledges between two
  calls of ``drain_events(timeout=2.0)``: a busy worker took two messages every two
  seconds. Here an idle worker polls every 0.1 s (an empty folder listed ten times a
  second), and ``drain_events`` returns as soon as the worker has acknowledgements to
  make (``WakeOnPendingOperations``, a consumer step that ``lms/celery.py`` adds, tells
  the transport), so the next message is taken the moment a pool process is free.
- **Taking a message.** Kombu moves it to ``tempfile.gettempdir()`` before reading it:
  where /tmp is another filesystem (a tmpfs), that is a copy then a delete, not an atomic
  rename, and another worker can truncate the copy while the first reads it. Here it is
  renamed into ``processed_folder`` (``var/broker/processed``, the same filesystem: only one
  worker's rename succeeds), read there and deleted.
- **Publishing.** Kombu writes the message in place under its final name, so a worker can
  take it half written. Here it is written under a temporary name that no reader lists,
  then renamed into the queue.
- **Listing.** Kombu lists and sorts the queue folder for every message taken (O(n log n)
  each with a backlog of n). Here names are taken from the last sorted listing until it
  runs out; a name another worker took meanwhile is skipped.

Unchanged: the file format and names (a folder can be shared with kombu's transport),
fanout through the control folder, and redelivery of unacknowledged messages at a warm
shutdown (``acks_late`` tasks). A message taken by a worker that is then killed (SIGKILL)
is lost, as with kombu's: the outbox sweep and the readiness beat hand the work over again.
"""

import errno
import os
import threading
import uuid
from collections import deque
from queue import Empty
from time import monotonic
from typing import Any

from celery import bootsteps
from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

POLLING_INTERVAL_SECONDS = 0.1


class Channel(filesystem.Channel):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._listings: dict[str, deque[str]] = {}
        # Created on first use, not when the settings are imported (lms/settings/local_files.py).
        for folder in (self.data_folder_in, self.data_folder_out, self.processed_folder, self.control_folder):
            os.makedirs(folder, exist_ok=True)

    # kombu's filesystem Channel names the message "payload", its base "message": no name fits both.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]  # see above
        """Write the message under a name without the queue's suffix, then rename it into the queue."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        folder = self.data_folder_out
        temporary = os.path.join(folder, f".{uuid.uuid4()}.part")
        try:
            with open(temporary, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.rename(temporary, os.path.join(folder, name))
        except OSError as error:
            raise ChannelError(f"Cannot add {name!r} to {folder!r}: {error}") from error

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        """Take the oldest message of ``queue``: rename it out of the queue, read it, delete it.

        Never waits (``timeout`` unused, as in kombu's): ``Transport.drain_events`` polls."""
        listing = self._listings.setdefault(queue, deque())
        listed = False
        while True:
            if not listing:
                if listed:
                    raise Empty()
                suffix = f".{queue}.msg"
                listing.extend(sorted(name for name in os.listdir(self.data_folder_in) if name.endswith(suffix)))
                listed = True
                continue
            name = listing.popleft()
            source, taken = os.path.join(self.data_folder_in, name), os.path.join(self.processed_folder, name)
            try:
                os.rename(source, taken)
            except FileNotFoundError as error:
                if not os.path.exists(source):
                    continue  # another worker took it
                raise ChannelError(f"Cannot take {name!r}: no folder {self.processed_folder!r}") from error
            except OSError as error:
                reason = "not on the queue's filesystem" if error.errno == errno.EXDEV else str(error)
                raise ChannelError(f"Cannot take {name!r} into {self.processed_folder!r}: {reason}") from error
            try:
                with open(taken, "rb") as file:
                    payload = file.read()
                if not self.store_processed:
                    os.remove(taken)
            except OSError as error:
                raise ChannelError(f"Cannot read {taken!r}: {error}") from error
            return loads(bytes_to_str(payload))

    def _purge(self, queue) -> int:
        self._listings.pop(queue, None)
        return super()._purge(queue)


class Transport(filesystem.Transport):
    Channel = Channel
    polling_interval = POLLING_INTERVAL_SECONDS

    def __init__(self, client, **kwargs) -> None:
        super().__init__(client, **kwargs)
        # Set (by another thread) when the worker's loop has operations to perform.
        self.wake = threading.Event()

    def drain_events(self, connection: Any, timeout: float | None = None, **kwargs: Any) -> None:
        """Deliver one message, polling every ``polling_interval``; ``TimeoutError``
        (``socket.timeout``, as kombu raises) after ``timeout``, or at once when woken, so
        that the worker's loop performs what waits (acknowledgements) and calls again."""
        started = monotonic()
        cycle = self.cycle
        assert cycle is not None  # made by kombu's Transport.__init__
        while True:
            if self.wake.is_set():
                self.wake.clear()
                raise TimeoutError()
            try:
                cycle.get(self._deliver, timeout=timeout)
                return
            except Empty:
                waited = monotonic() - started
                if timeout is not None and waited >= timeout:
                    raise TimeoutError() from None
                pause = self.polling_interval if timeout is None else min(self.polling_interval, timeout - waited)
                self.wake.wait(pause)


class WakeOnPendingOperations(bootsteps.StartStopStep):
    """A worker's consumer step: wake the embedded transport's ``drain_events`` whenever the
    consumer queues an operation for its loop (``Consumer.call_soon``: the acknowledgement
    or rejection of a finished task, which a pool thread hands over). Other transports run
    on Celery's event hub, where ``call_soon`` goes to the hub: nothing changes for them."""

    requires = ("celery.worker.consumer.tasks:Tasks",)  # before the loop creates its task handler

    def start(self, parent) -> None:
        queue_operation = parent.call_soon

        def call_soon(callback, *args, **kwargs):
            operation = queue_operation(callback, *args, **kwargs)
            wake = getattr(parent.connection.transport, "wake", None) if parent.connection else None
            if wake is not None:
                wake.set()
            return operation

        parent.call_soon = call_soon
