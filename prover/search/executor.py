"""Where proof jobs run: in this process, in a local process pool, or on a Ray cluster.

Every command that fans work out (plan-and-verify's candidates, bench and eval goals, the
corpus probes, training's harvesting searches, the sub-goals of a split proof) hands the
executor frozen, picklable jobs (`prover.search.jobs`) and gets plain results back, in job order
(`map`) or as they finish (`submit` / `wait` / `result`). A worker rebuilds the domain from
its source text and the policy from its `PolicySpec`: nothing reaches it through module state.

Faults: a worker that dies has its job run again, up to `max_retries` times (Ray's task
retries; the local pool is restarted and the job resubmitted); past that, `result` raises
`WorkerLost`. Ray is imported here only, and only when `--executor ray` is asked for.
"""
from __future__ import annotations

import concurrent.futures as cf
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from dsl.errors import InputError, InternalError, WarrantError

RAY_INSTALL = "pip install -e '.[ray]'   (ray==2.60.0)"
MAX_RETRIES = 3            # runs of a job after its worker died, before it counts as lost


class WorkerLost(WarrantError):
    """A job's worker died on every attempt (killed, out of memory, node lost): a failure of the
    machine or cluster, not a bug in warrant, so it is reported as itself (exit 4, no
    'internal error' line)."""

    exit_code = 4


@dataclass(eq=False)
class Ticket:
    """One submitted job: what it runs, how often it was started, and where its result lands."""

    fn: object
    job: object
    handle: object = None              # a Future, a Ray ObjectRef, or None (ran in-process)
    attempts: int = 1
    value: object = field(default=None, repr=False)
    error: BaseException | None = None


class InProcess:
    """Jobs run one after another in this process (`--workers 1`, the default of most commands)."""

    workers = 1
    kind = "local"

    def submit(self, fn, job) -> Ticket:
        t = Ticket(fn, job)
        try:
            t.value = fn(job)
        except Exception as exc:       # kept for `result`, which raises it where the caller asks
            t.error = exc
        return t

    def wait(self, tickets: list[Ticket], timeout: float | None = None) -> list[Ticket]:
        return list(tickets)

    def result(self, t: Ticket):
        if t.error is not None:
            raise t.error
        return t.value

    def cancel(self, tickets) -> None:
        return None

    def map(self, fn, jobs):
        """Results in job order, each computed when the caller asks for it."""
        return (fn(job) for job in jobs)

    warming: tuple = ()

    def warm(self, fn, job) -> None:
        """Start every worker on `fn(job)` now, for what it caches (imports, a plan's unrolling),
        while this process does other work; nothing waits for it. In-process: nothing to do."""
        return None

    def warmed(self) -> bool:
        """Whether some worker has finished its warm-up (True where none was asked for)."""
        return not self.warming or bool(self.wait(list(self.warming), timeout=0))

    def close(self) -> None:
        return None


class LocalPool(InProcess):
    """A process pool of `workers` processes on this machine (what `--workers N` always was)."""

    def __init__(self, workers: int, max_retries: int = MAX_RETRIES):
        self.workers, self.max_retries = workers, max_retries
        self.pool = cf.ProcessPoolExecutor(workers)

    def submit(self, fn, job) -> Ticket:
        try:
            return Ticket(fn, job, self.pool.submit(fn, job))
        except BrokenProcessPool:           # a worker died under an earlier job: a fresh pool
            self._restart()
            return Ticket(fn, job, self.pool.submit(fn, job))

    def _restart(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = cf.ProcessPoolExecutor(self.workers)

    def wait(self, tickets, timeout=None):
        """The tickets that finished (at least one, unless `timeout` passed); a job whose worker
        died is resubmitted here and waited for again."""
        import time
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if end is None else max(0.0, end - time.monotonic())
            done, _ = cf.wait([t.handle for t in tickets], left, return_when=cf.FIRST_COMPLETED)
            out = [t for t in tickets if t.handle in done and not self._resubmitted(t)]
            if out or not done or (end is not None and time.monotonic() >= end):
                return out

    def _resubmitted(self, t: Ticket) -> bool:
        """A job whose worker died (the pool broke under it) goes to a fresh pool."""
        if not isinstance(t.handle.exception(), BrokenProcessPool) or t.attempts > self.max_retries:
            return False
        t.attempts += 1
        t.handle = self.submit(t.fn, t.job).handle
        return True

    def result(self, t: Ticket):
        while True:
            try:
                return t.handle.result()
            except BrokenProcessPool:
                if not self._resubmitted(t):
                    raise WorkerLost(f"a worker process died {t.attempts} time(s) running a job") from None

    def cancel(self, tickets) -> None:
        for t in tickets:
            t.handle.cancel()

    def map(self, fn, jobs):
        tickets = [self.submit(fn, job) for job in jobs]
        return (self.result(t) for t in tickets)

    def warm(self, fn, job) -> None:
        # the pool forks its processes here, so they also inherit what this process has cached;
        # a Ray worker is a fresh process that imports warrant on its first task. `workers` tasks
        # at once start that many; the tickets are kept so the tasks are not released
        self.warming = [self.submit(fn, job) for _ in range(self.workers)]

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


class RayExecutor(InProcess):
    """Tasks on a Ray cluster: `address` None starts (or, with RAY_ADDRESS set, joins) a local
    instance with `workers` CPUs; `auto` or `HOST:PORT` joins a running cluster."""

    kind = "ray"

    def __init__(self, workers: int, address: str | None = None, max_retries: int = MAX_RETRIES):
        ray = import_ray()
        self.ray, self.workers, self.max_retries = ray, workers, max_retries
        self.started = not ray.is_initialized()
        if self.started:
            import logging
            import os
            if address is None and not os.environ.get("RAY_ADDRESS"):
                # a local instance of our own, even where a cluster runs on this machine (Ray
                # would join that one, and refuse the CPU count)
                address, cpus = "local", workers
            else:
                cpus = None
            try:
                ray.init(address=address, num_cpus=cpus, include_dashboard=False,
                         log_to_driver=False, logging_level=logging.ERROR, configure_logging=True)
            except (ConnectionError, RuntimeError, ValueError) as exc:     # ValueError: a malformed address
                if cpus is not None:
                    raise
                hint = "" if isinstance(exc, ValueError) else (
                    " (a cluster that authenticates by token, as `ray start` sets up by default, needs "
                    "RAY_AUTH_MODE=token and its token, `ray get-auth-token`, here too)")
                raise InputError(f"could not join the Ray cluster at {address}: {str(exc).splitlines()[0]}{hint}") from None
        self.remote: dict = {}

    def _task(self, fn):
        if fn not in self.remote:
            # max_retries: Ray reruns the task when its worker process dies; an exception the
            # job raises is its result and is not retried.
            self.remote[fn] = self.ray.remote(max_retries=self.max_retries, retry_exceptions=False)(fn)
        return self.remote[fn]

    def submit(self, fn, job) -> Ticket:
        return Ticket(fn, job, self._task(fn).remote(job))

    def wait(self, tickets, timeout=None):
        done, _ = self.ray.wait([t.handle for t in tickets], num_returns=1, timeout=timeout)
        return [t for t in tickets if t.handle in done]

    def result(self, t: Ticket):
        from ray import exceptions as rex
        try:
            return self.ray.get(t.handle)
        except rex.RayTaskError as exc:      # the job raised: re-raise what it raised
            cause = getattr(exc, "cause", None)
            raise (cause if isinstance(cause, Exception) else InternalError(str(exc).splitlines()[0])) from None
        except (rex.WorkerCrashedError, rex.NodeDiedError, rex.ObjectLostError, rex.TaskCancelledError) as exc:
            raise WorkerLost(f"a Ray worker was lost running a job ({type(exc).__name__}) after "
                             f"{self.max_retries} retries") from None

    def cancel(self, tickets) -> None:
        for t in tickets:
            self.ray.cancel(t.handle, force=True)

    def map(self, fn, jobs):
        tickets = [self.submit(fn, job) for job in jobs]
        return (self.result(t) for t in tickets)

    warm = LocalPool.warm

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()


def import_ray():
    """The `ray` module, or an InputError (exit 2) saying how to install it."""
    try:
        import ray
    except ImportError:
        raise InputError(f"--executor ray needs Ray, which is not installed: {RAY_INSTALL}") from None
    return ray


EXECUTORS = ("local", "ray")


def make_executor(kind: str = "local", workers: int = 1, address: str | None = None,
                  max_retries: int = MAX_RETRIES):
    """The executor of `--executor KIND --workers N [--ray-address ADDR]`."""
    if kind not in EXECUTORS:
        raise InputError(f"--executor must be one of {', '.join(EXECUTORS)}, got {kind!r}")
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    if kind == "ray":
        return RayExecutor(workers, address, max_retries)
    if address is not None:
        raise InputError("--ray-address is only used with --executor ray")
    return InProcess() if workers == 1 else LocalPool(workers, max_retries)
