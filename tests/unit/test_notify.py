"""Local wake-ups: who is woken by what, over real Unix datagram sockets."""

from __future__ import annotations

import asyncio
from pathlib import Path

from qstation.queue.notify import CANCEL, DONE, JOB, QUEUE, LocalNotifier, _Waiters


async def _pair(directory: Path) -> tuple[LocalNotifier, LocalNotifier]:
    api, worker = LocalNotifier(directory), LocalNotifier(directory)
    await api.start()
    await worker.start()
    return api, worker


async def _close(*notifiers: LocalNotifier) -> None:
    for n in notifiers:
        await n.close()


def test_a_terminal_state_wakes_the_waiters_on_changes_of_that_job(tmp_path: Path) -> None:
    async def scenario() -> tuple[bool, bool, bool]:
        api, worker = await _pair(tmp_path)
        try:
            any_job = asyncio.ensure_future(api.wait(JOB, None, 5))
            this_job = asyncio.ensure_future(api.wait(JOB, "job-1", 5))
            other_job = asyncio.ensure_future(api.wait(JOB, "job-2", 0.3))
            await asyncio.sleep(0)
            worker.publish(DONE, "job-1")
            return await any_job, await this_job, await other_job
        finally:
            await _close(api, worker)

    assert asyncio.run(scenario()) == (True, True, False)


def test_a_queue_message_does_not_wake_job_waiters(tmp_path: Path) -> None:
    async def scenario() -> tuple[bool, bool]:
        api, worker = await _pair(tmp_path)
        try:
            job = asyncio.ensure_future(worker.wait(JOB, None, 0.3))
            queue = asyncio.ensure_future(worker.wait(QUEUE, None, 5))
            await asyncio.sleep(0)
            api.publish(QUEUE, "star-5")
            return await job, await queue
        finally:
            await _close(api, worker)

    assert asyncio.run(scenario()) == (False, True)


def test_a_process_wakes_its_own_waiters_without_a_datagram_to_itself(tmp_path: Path) -> None:
    async def scenario() -> tuple[bool, bool, bool]:
        api, worker = await _pair(tmp_path)
        own_socket = api._sock
        assert own_socket is not None
        # Stop reading the own socket: a waiter woken now was woken directly.
        asyncio.get_running_loop().remove_reader(own_socket.fileno())
        try:
            mine = asyncio.ensure_future(api.wait(QUEUE, None, 0.5))
            theirs = asyncio.ensure_future(worker.wait(QUEUE, None, 5))
            await asyncio.sleep(0)
            api.publish(QUEUE, "star-5")
            woken = await mine, await theirs
            try:
                own_socket.recv(512)
                sent_to_itself = True
            except BlockingIOError:
                sent_to_itself = False
            return (*woken, sent_to_itself)
        finally:
            await _close(api, worker)

    assert asyncio.run(scenario()) == (True, True, False)


def test_a_waiter_cancelled_as_its_notification_arrives_is_cancelled() -> None:
    # A job's heartbeat waits for CANCEL; the worker cancels the heartbeat when the job ends.
    # If the notification lands in the same turn of the loop, the cancellation must still
    # win, or the heartbeat runs on and the worker never moves to its next job.
    async def scenario() -> None:
        waiters = _Waiters()
        for _ in range(50):
            task = asyncio.create_task(waiters.wait(CANCEL, "job-1", 5.0))
            await asyncio.sleep(0)  # the task is waiting
            waiters.dispatch(CANCEL, "job-1")
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                continue
            raise AssertionError("the cancellation was swallowed")

    asyncio.run(scenario())


def test_watchers_see_what_the_process_receives_and_publishes(tmp_path: Path) -> None:
    async def scenario() -> list[tuple[str, str]]:
        api, worker = await _pair(tmp_path)
        seen: list[tuple[str, str]] = []
        try:
            assert api.watch(lambda topic, payload: seen.append((topic, payload)))
            waiter = asyncio.ensure_future(api.wait(DONE, "job-1", 5))
            await asyncio.sleep(0)
            worker.publish(DONE, "job-1")  # another process's notification
            await waiter
            api.publish(CANCEL, "job-2")  # this process's own
            return seen
        finally:
            await _close(api, worker)

    assert asyncio.run(scenario()) == [(DONE, "job-1"), (CANCEL, "job-2")]
