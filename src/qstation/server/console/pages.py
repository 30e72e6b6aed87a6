"""The console's pages: quantum computers, jobs, queue and timeslots, usage.

Pages are rendered on the server; htmx swaps in fresh fragments (the job list, a job's
status) while jobs wait and run, and posts the cancel and delete buttons.
"""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from qstation.queue.notify import CANCEL, DONE
from qstation.server.console import devices, jobs, session, usage
from qstation.server.console.assets import asset_url
from qstation.server.deps import AppState, Principal, StateDep, unit_of_work
from qstation.server.errors import DomainError
from qstation.server.jobs.service import scope

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.globals["asset"] = asset_url
ViewerDep = Annotated[Principal, Depends(session.principal)]


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


templates.env.filters["when"] = _when
templates.env.filters["age"] = _age


def render(request: Request, name: str, viewer: Principal, **context: Any) -> Response:
    """A page or fragment, with the viewer and a renewed session cookie if there is one."""
    response = templates.TemplateResponse(
        request,
        name,
        {
            "viewer": viewer,
            "auth": session.auth_on(request),
            "nav": name.split(".")[0],
            **context,
        },
    )
    return session.finish(request, _compressed(request, response))


def _compressed(request: Request, page: Response) -> Response:
    # Pages carry their chips' and plots' data: compressed they are a fifth of the size.
    body = bytes(page.body)
    if len(body) < 4096 or "gzip" not in request.headers.get("accept-encoding", ""):
        return page
    headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(
        gzip.compress(body, 6),
        status_code=page.status_code,
        media_type="text/html; charset=utf-8",
        headers=headers,
    )


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request, state: StateDep, viewer: ViewerDep) -> Response:
    """Every quantum computer: status, queue, calibration age and its chip."""
    async with unit_of_work(state) as s:
        cards = await devices.cards(state, s)
        chips = {}
        for card in cards:
            cal = await state.devices.calibration(s, card.alias, "default")
            chips[card.alias] = devices.chip_graph(cal.spec, cal.data)
    return render(
        request, "devices.html", viewer, cards=cards, chips=chips, metrics=devices.METRICS
    )


@router.get("/console/qc/{qc}/stats", response_class=HTMLResponse)
async def device_stats(qc: str, request: Request, state: StateDep, viewer: ViewerDep) -> Response:
    """A quantum computer's status, queue and calibration age (polled by the overview)."""
    async with unit_of_work(state) as s:
        await state.devices.get(s, qc)  # 404 for an unknown one
        card = next(c for c in await devices.cards(state, s) if c.alias == qc)
    return render(request, "_qc_stats.html", viewer, c=card)


@router.get("/console/qc/{qc}", response_class=HTMLResponse)
async def device(qc: str, request: Request, state: StateDep, viewer: ViewerDep) -> Response:
    """One quantum computer: its chip by metric and its calibration history per qubit."""
    async with unit_of_work(state) as s:
        info = await state.devices.get(s, qc)
        cal = await state.devices.calibration(s, qc, "default")
        chip = devices.chip_graph(cal.spec, cal.data)
        hist = await devices.history(state, s, qc)
        entries = await jobs.queue_entries(s, qc)
    return render(
        request,
        "device.html",
        viewer,
        info=info,
        cal=cal,
        chip=chip,
        history=hist,
        metrics=devices.METRICS,
        entries=entries,
    )


async def _job_list(
    request: Request,
    state: AppState,
    viewer: Principal,
    status: str | None,
    qc: str | None,
    owner: str | None,
) -> dict[str, Any]:
    f = jobs.JobFilter.of(status, qc, owner)
    async with unit_of_work(state) as s:
        rows = await jobs.job_rows(s, viewer, f)
        qcs = [r.alias for r in await state.devices.list(s)]
    query = request.url.query
    return {"rows": rows, "filter": f, "qcs": qcs, "statuses": jobs.STATUSES, "query": query}


@router.get("/console/jobs", response_class=HTMLResponse)
async def job_list(
    request: Request,
    state: StateDep,
    viewer: ViewerDep,
    status: str | None = None,
    qc: str | None = None,
    owner: str | None = None,
) -> Response:
    """The viewer's jobs (admins: everyone's) with filters; the table refreshes itself."""
    context = await _job_list(request, state, viewer, status, qc, owner)
    return render(request, "jobs.html", viewer, **context)


@router.get("/console/jobs/rows", response_class=HTMLResponse)
async def job_rows(
    request: Request,
    state: StateDep,
    viewer: ViewerDep,
    status: str | None = None,
    qc: str | None = None,
    owner: str | None = None,
) -> Response:
    """The job table's body (polled by the list page)."""
    context = await _job_list(request, state, viewer, status, qc, owner)
    return render(request, "_job_rows.html", viewer, **context)


@router.get("/console/jobs/{job_id}", response_class=HTMLResponse)
async def job_page(job_id: str, request: Request, state: StateDep, viewer: ViewerDep) -> Response:
    """One job: status, timeline, messages, errors, circuits and counts."""
    async with unit_of_work(state) as s:
        context = await jobs.job_page(state, s, viewer, job_id)
    return render(request, "job.html", viewer, **context)


@router.get("/console/jobs/{job_id}/status", response_class=HTMLResponse)
async def job_status(job_id: str, request: Request, state: StateDep, viewer: ViewerDep) -> Response:
    """A job's status panel (polled while the job may change; a finished job reloads)."""
    async with unit_of_work(state) as s:
        context = await jobs.job_page(state, s, viewer, job_id)
    if not context["live"]:  # the results appear with a full page
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return render(request, "_job_status.html", viewer, **context)


@router.post("/console/jobs/{job_id}/cancel")
async def cancel(job_id: str, state: StateDep, viewer: ViewerDep) -> Response:
    """Cancel a job, as ``POST /api/v1/jobs/{id}/cancel`` does."""
    async with unit_of_work(state, write=True) as s:
        job = await state.jobs.get(s, job_id, scope(viewer))
        tell_worker = await state.jobs.cancel(s, job)
    if tell_worker:
        state.notifier.publish(CANCEL, job.id)
    else:
        state.notifier.publish(DONE, job.id)  # also wakes the JOB waiters
    return RedirectResponse(f"/console/jobs/{job.id}", status_code=303)


@router.post("/console/jobs/{job_id}/delete")
async def delete(job_id: str, state: StateDep, viewer: ViewerDep) -> Response:
    """Delete a job and its results."""
    async with unit_of_work(state, write=True) as s:
        job = await state.jobs.get(s, job_id, scope(viewer))
        await state.jobs.delete(s, job)
    state.notifier.publish(CANCEL, job.id)
    return RedirectResponse("/console/jobs", status_code=303)


@router.get("/console/queue", response_class=HTMLResponse)
async def queue(request: Request, state: StateDep, viewer: ViewerDep) -> Response:
    """The shared queue of every quantum computer and the timeslot calendar."""
    async with unit_of_work(state) as s:
        qcs = [r.alias for r in await state.devices.list(s)]
        queues = {qc: await jobs.queue_entries(s, qc) for qc in qcs}
        days = await usage.calendar(s, viewer)
    return render(request, "queue.html", viewer, queues=queues, days=days, now=time.time())


@router.get("/console/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> Response:
    """The login form (with authentication off, there is nothing to log in to)."""
    if not session.auth_on(request):
        return RedirectResponse(session.safe_next(next), status_code=303)
    return render(
        request,
        "login.html",
        Principal(owner=None, is_admin=False),
        next=session.safe_next(next),
        error=None,
    )


@router.post("/console/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the credentials, keep the session in cookies and go where the user was going."""
    if not session.auth_on(request):
        return RedirectResponse("/", status_code=303)
    try:
        issued = await session.login(request, username, password)
    except DomainError as err:
        page = render(
            request,
            "login.html",
            Principal(owner=None, is_admin=False),
            next=session.safe_next(next),
            error=err.message,
        )
        page.status_code = 401
        return page
    response = RedirectResponse(session.safe_next(next), status_code=303)
    session.keep_session(response, issued, request.url.scheme == "https")
    return response


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    """End the session (its tokens stop working at once) and forget its cookies."""
    await session.revoke(request)
    response = RedirectResponse("/console/login", status_code=303)
    session.forget_session(response)
    return response
