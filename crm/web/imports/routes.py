"""The import wizard: upload → sheet and mapping → preview → commit in the background."""
from __future__ import annotations

import io
import json
import time
import uuid
from datetime import timedelta
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from crm.importers.errors import UnreadableFile
from crm.importers.mapping import FIELDS
from crm.importers.messages import localize
from crm.importers.tables import list_sheets, read_sheet
from crm.models import Company, ImportBatch, ImportStatus
from crm.services import audit, import_runs, ingest, writing_turn
from crm.services.errors import N_, DomainError
from crm.web import background, database
from crm.web.errors import translate
from crm.web.forms import optional_int
from crm.web.imports.forms import UploadForm, mapping_form
from crm.web.security import permission_required
from jobs import runner

bp = Blueprint("imports", __name__, url_prefix="/imports")

EXTENSIONS = {".xlsx", ".xls", ".csv", ".txt", ".tsv"}
# An import on another host that reports no progress for this long has stopped.
IMPORT_SILENT_AFTER = timedelta(minutes=15)
# A batch in these states changes on its own: its page follows it.
IN_PROGRESS = (ImportStatus.RUNNING.value, ImportStatus.REVERTING.value)
STATUS_LABELS = {ImportStatus.PENDING.value: N_("pending"),
                 ImportStatus.RUNNING.value: N_("running"),
                 ImportStatus.DONE.value: N_("done"), ImportStatus.FAILED.value: N_("failed"),
                 ImportStatus.REVERTING.value: N_("reverting"),
                 ImportStatus.REVERTED.value: N_("reverted")}
PREVIEW_ROWS = 200


# -- where a wizard keeps its file and state ------------------------------------------------

def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _state_path(token: str) -> Path:
    return _folder() / f"{token}.json"


def _load(token: str) -> dict:
    try:
        uuid.UUID(token)
        state = json.loads(_state_path(token).read_text("utf-8"))
    except (ValueError, OSError):
        abort(404)
    if state.get("user_id") != current_user.id:
        abort(404)
    return state


def _save(token: str, state: dict, folder: Path | None = None) -> None:
    path = (folder or _folder()) / f"{token}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False), "utf-8")
    tmp.replace(path)


def _file(token: str) -> Path:
    return _folder() / token


def _import_mapping(state: dict) -> dict[str, int | None] | None:
    if state.get("mapping") is None:
        return None
    return {k: (int(v) if v not in (None, "") else None) for k, v in state["mapping"].items()}


def _exhibition(s, state: dict):
    if state.get("exhibition") and state.get("year"):
        return ingest.exhibition_for(s, state["exhibition"], int(state["year"]))
    return None


# -- pages --------------------------------------------------------------------------------

@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    form = UploadForm(formdata=None)  # the body was refused; do not read it again
    form.form_errors.append(_("The file is too large: at most %(mb)s MB may be uploaded.",
                              mb=limit))
    return render_template("imports/new.html", form=form), 413


@bp.get("/")
@permission_required("import.run")
def index():
    page = import_runs.batches(database.session(), optional_int(request.args.get("page")) or 1)
    return render_template("imports/index.html", page=page, status_labels=STATUS_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("import.run")
def new():
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("imports/new.html", form=form), 422 if request.method == "POST" else 200
    upload = form.file.data
    name = Path(upload.filename or "upload").name
    token = str(uuid.uuid4())
    path = _file(token)
    if Path(name).suffix.lower() not in EXTENSIONS:
        form.file.errors = [_("%(file)s: not a spreadsheet; upload an .xlsx, .xls or .csv file.",
                              file=name)]
        return render_template("imports/new.html", form=form), 422
    upload.save(path)
    kind = form.kind.data
    try:
        _check_readable(path, name, kind)
    except UnreadableFile as exc:
        path.unlink(missing_ok=True)
        form.file.errors = [_named(exc, path, name)]
        return render_template("imports/new.html", form=form), 422
    _save(token, {"user_id": current_user.id, "file_name": name, "kind": kind,
                  "sheet": None, "mapping": None, "exhibition": None, "year": None,
                  "status": "uploaded"})
    return redirect(url_for("imports.mapping", token=token))


def _check_readable(path: Path, name: str, kind: str) -> None:
    from crm.importers.catalogue import iter_catalogue
    from crm.importers.contacts import iter_contacts

    opener = iter_catalogue if kind == "catalogue" else iter_contacts
    with opener(path, max_rows=5):
        pass


def _named(exc: UnreadableFile, path: Path, name: str) -> str:
    """The importer's message in the reader's language, naming the file the user uploaded
    (the importer knows only the saved file, named by a uuid)."""
    return localize(exc.message.replace(path.name, name), _)


@bp.route("/u/<token>/mapping", methods=["GET", "POST"])
@permission_required("import.run")
def mapping(token: str):
    state = _load(token)
    path = _file(token)
    s = database.session()
    sheets = list_sheets(path)
    sheet_name = request.values.get("sheet") or state.get("sheet") or None
    try:
        sheet = read_sheet(path, sheet_name if sheet_name in sheets else None,
                           max_rows=20, purpose=state["kind"])
    except UnreadableFile as exc:
        flash(_named(exc, path, state["file_name"]), "error")
        return redirect(url_for("imports.new"))
    show = None
    if state.get("exhibition") and state.get("year"):
        show = ingest.find_exhibition(s, state["exhibition"], int(state["year"]))
    organizer_id = show.organizer_id if show is not None else None
    from crm.importers.mapping import suggest_mapping
    suggested = suggest_mapping(sheet.headers, purpose=state["kind"], sample=sheet.rows)
    saved = import_runs.saved_mapping(s, organizer_id, state["kind"]) or {}
    by_header = {h: i for i, h in enumerate(sheet.headers) if h}
    initial: dict[str, str] = {name: str(i) for name, i in suggested.items()}
    for name, header in saved.items():
        if name in FIELDS and header in by_header and str(by_header[header]) not in initial.values():
            initial[name] = str(by_header[header])
    if state.get("mapping") and state.get("sheet") == sheet.name:
        initial = {k: ("" if v is None else str(v)) for k, v in state["mapping"].items()}
    data = {f"f_{k}": v for k, v in initial.items()}
    form = mapping_form(sheet.headers, formdata=request.form if request.method == "POST" else None,
                        sheet=sheet.name, exhibition=state.get("exhibition"),
                        year=state.get("year"), **data)
    form.sheet.choices = [(n, n) for n in sheets]
    if request.method == "POST" and request.form.get("step") == "save" and form.validate():
        chosen = {name: getattr(form, f"f_{name}").data or None for name in FIELDS}
        if state["kind"] == "catalogue" and not (form.exhibition.data and form.year.data):
            form.exhibition.errors = [_("Name the show and its year.")]
        elif not any(chosen.get(n) for n in ("name", "name_zh", "name_en")):
            form.form_errors.append(_("%(file)s: choose the column that holds the company name.",
                                      file=state["file_name"]))
        else:
            state.update(sheet=sheet.name, mapping=chosen,
                         exhibition=(form.exhibition.data or "").strip() or None,
                         year=form.year.data, status="mapped")
            headers = {name: sheet.headers[int(i)] for name, i in chosen.items() if i}
            import_runs.save_mapping(s, organizer_id, headers, kind=state["kind"],
                                     user_id=current_user.id)
            s.commit()
            _save(token, state)
            return redirect(url_for("imports.preview", token=token))
        return render_template("imports/mapping.html", form=form, state=state, sheet=sheet,
                               token=token, fields=FIELDS), 422
    return render_template("imports/mapping.html", form=form, state=state, sheet=sheet,
                           token=token, fields=FIELDS)


@bp.get("/u/<token>/preview")
@permission_required("import.run")
def preview(token: str):
    state = _load(token)
    if state.get("status") != "mapped":
        return redirect(url_for("imports.mapping", token=token))
    s = database.session()
    path = _file(token)
    try:
        show = _exhibition(s, state)
        report = ingest.import_file(s, path, kind=state["kind"], exhibition=show,
                                    sheet=state["sheet"], mapping=_import_mapping(state),
                                    file_name=state["file_name"], user_id=current_user.id,
                                    dry_run=True)
    except UnreadableFile as exc:
        s.rollback()
        flash(_named(exc, path, state["file_name"]), "error")
        return redirect(url_for("imports.mapping", token=token))
    earlier = ingest.find_batch(s, ingest.file_sha256(path), report.exhibition_id, state["kind"])
    outcomes = report.outcomes[:PREVIEW_ROWS]
    ids = {i for o in outcomes for i in (o.company_id, o.candidate_id) if i}
    names = {c.id: c.display_name for c in s.scalars(select(Company).where(Company.id.in_(ids)))}
    s.rollback()  # a dry run writes nothing, not even a new show
    return render_template("imports/preview.html", state=state, token=token, report=report,
                           outcomes=outcomes, names=names,
                           earlier=earlier.id if earlier is not None else None)


@bp.post("/u/<token>/commit")
@permission_required("import.run")
def commit(token: str):
    state = _load(token)
    if state.get("status") != "mapped":
        return redirect(url_for("imports.progress", token=token))
    state.update(status="running", done=0, total=0, worker=runner.worker_id())
    _save(token, state)
    app = current_app._get_current_object()
    database.session().commit()  # end this request's transaction before the job's starts
    background.start(f"import-{token}", run_import, app, token)
    return redirect(url_for("imports.progress", token=token))


def run_import(app: Flask, token: str) -> None:
    """Run a mapped import in its own session, writing progress to the wizard's state file."""
    folder = Path(app.config["UPLOAD_FOLDER"]) / "imports"
    state_path = folder / f"{token}.json"
    state = json.loads(state_path.read_text("utf-8"))

    def progress(done: int, total: int) -> None:
        state.update(done=done, total=total)
        _save(token, state, folder)

    def waiting(now: bool = True) -> None:
        state.update(waiting=now)
        _save(token, state, folder)

    with app.app_context():
        s = app.extensions["db_sessions"]()
        try:
            writing_turn.take(s, waiting)
            if state.get("waiting"):
                waiting(False)
            show = _exhibition(s, state)
            report = ingest.import_file(s, folder / token, kind=state["kind"], exhibition=show,
                                        sheet=state["sheet"], mapping=_import_mapping(state),
                                        file_name=state["file_name"], user_id=state["user_id"],
                                        progress=progress)
            s.commit()
            out = folder / "batches" / str(report.batch_id)
            out.mkdir(parents=True, exist_ok=True)
            with open(out / "rejected.xlsx", "wb") as fh, \
                    force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
                ingest.write_rejected_xlsx(report, fh, _)
            state.update(status="done", batch_id=report.batch_id)
        except (UnreadableFile, DomainError) as exc:
            s.rollback()
            state.update(status="failed", message=getattr(exc, "message", str(exc))
                         .replace(token, state["file_name"]))
        except Exception:
            s.rollback()
            app.logger.exception("import %s failed", token)
            state.update(status="failed", message=N_(
                "an unexpected error stopped it and nothing was imported; the server's log "
                "says more."))
        finally:
            s.close()
    _save(token, state, folder)


@bp.get("/u/<token>/progress")
@permission_required("import.run")
def progress(token: str):
    state = _load(token)
    if _stopped(token, state):
        # One transaction: nothing of it was written. The user may import it again.
        state.update(status="mapped")
        _save(token, state)
        flash(_("The import stopped before it finished (the server was restarted?); nothing "
                "was imported. Check the preview and import it again."), "error")
        target = url_for("imports.preview", token=token)
        if request.headers.get("HX-Request"):
            return "", 200, {"HX-Redirect": target}
        return redirect(target)
    if state.get("status") == "done" and state.get("batch_id"):
        target = url_for("imports.show", batch_id=state["batch_id"])
        if request.headers.get("HX-Request"):
            response = make_response("", 200)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)
    template = "imports/_progress.html" if request.headers.get("HX-Request") else "imports/progress.html"
    return render_template(template, state=state, token=token)


def _stopped(token: str, state: dict) -> bool:
    """A running import whose process is gone: on this host its process is dead; on
    another, it has not reported progress for IMPORT_SILENT_AFTER."""
    if state.get("status") != "running":
        return False
    alive = runner.alive_here(state.get("worker"))
    if alive is not None:
        return not alive
    silent = time.time() - _state_path(token).stat().st_mtime
    return silent > IMPORT_SILENT_AFTER.total_seconds()


def _batch(batch_id: int) -> ImportBatch:
    batch = database.session().get(ImportBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.get("/<int:batch_id>")
@permission_required("import.run")
def show(batch_id: int):
    batch = _batch(batch_id)
    given_up = ingest.revert_given_up(batch)
    following = batch.status in IN_PROGRESS and not given_up
    polled = bool(request.headers.get("HX-Request"))
    page = render_template("imports/_batch.html" if polled else "imports/show.html",
                           batch=batch, statuses=ImportStatus, following=following,
                           revertible=batch.status == ImportStatus.DONE.value or given_up,
                           status_labels=STATUS_LABELS,
                           reverted=import_runs.revert_outcome(database.session(), batch_id))
    # The import or revert the page was following has ended: reload it whole (its actions
    # change with the status).
    return (page, {"HX-Refresh": "true"}) if polled and not following else page


@bp.get("/<int:batch_id>/report.csv")
@permission_required("import.run")
def report_csv(batch_id: int):
    _batch(batch_id)
    text = io.StringIO()
    ingest.write_report_csv(import_runs.batch_report(database.session(), batch_id), text)
    return send_file(io.BytesIO(text.getvalue().encode("utf-8-sig")), mimetype="text/csv",
                     as_attachment=True, download_name=f"import-{batch_id}-report.csv")


@bp.get("/<int:batch_id>/rejected.xlsx")
@permission_required("import.run")
def rejected_xlsx(batch_id: int):
    _batch(batch_id)
    path = _folder() / "batches" / str(batch_id) / "rejected.xlsx"
    if not path.is_file():
        buffer = io.BytesIO()
        ingest.write_rejected_xlsx(import_runs.batch_report(database.session(), batch_id),
                                   buffer, _)
        buffer.seek(0)
        return send_file(buffer, as_attachment=True, download_name=f"import-{batch_id}-rejected.xlsx")
    return send_file(path, as_attachment=True, download_name=f"import-{batch_id}-rejected.xlsx")


@bp.post("/<int:batch_id>/revert")
@permission_required("import.revert")
def revert(batch_id: int):
    """Start reverting the import; it goes on in the background (a large catalogue takes a
    minute or more) while its page follows it."""
    s = database.session()
    _batch(batch_id)
    try:
        ingest.start_revert(s, batch_id)
    except DomainError as exc:
        s.rollback()
        flash(translate(exc), "error")
        return redirect(url_for("imports.show", batch_id=batch_id))
    s.commit()
    app = current_app._get_current_object()
    background.start(f"revert-{batch_id}", run_revert, app, batch_id, current_user.id)
    flash(_("Reverting the import: everything it added is being removed."), "success")
    return redirect(url_for("imports.show", batch_id=batch_id))


def run_revert(app: Flask, batch_id: int, user_id: int) -> None:
    """Revert a batch in its own session; a failure rolls back and leaves the import as it
    was, with the reason on its page."""
    with app.app_context():
        s = app.extensions["db_sessions"]()
        try:
            with audit.acting_as(user_id):
                ingest.revert_batch(s, batch_id, user_id=user_id)
            s.commit()
        except Exception as exc:  # noqa: BLE001 - recorded on the batch for the user
            s.rollback()
            app.logger.exception("revert of import %s failed", batch_id)
            with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
                reason = (translate(exc) if isinstance(exc, DomainError)
                          else _("an unexpected error; the server's log says more"))
                ingest.revert_failed(s, batch_id, _("The revert failed and changed nothing: "
                                                    "%(reason)s", reason=reason))
            s.commit()
        finally:
            s.close()
