"""One grading worker: a long-lived process holding nbgrader (imported once), one sandboxed zygote and the
course configuration, grading one submission after another with nbgrader's own Autograde converter.

The pipeline is nbgrader's, in its order, with its preprocessors and its gradebook code:
ClearOutput → DeduplicateIds → OverwriteKernelspec → OverwriteCells → CheckCellMetadata (sanitising), then
GuardedExecute → IgnorePattern → ClearMetadata → LimitOutput → SaveAutoGrades → AssignLatePenalties →
CheckCellMetadata. Execute is swapped for ours, and SaveAutoGrades commits once per notebook instead of once per
cell (grading/savegrades.py). What is saved: the gradebook and ``autograded/``, as
``nbgrader autograde --force --create`` leaves them.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from grading.config import SandboxLimits, load_course_config
from grading.hidden import notebook_fragments, safe_message
from grading.intake import odd_file
from grading.results import CellResult, GradeResult, NotebookResult

_ENGINES: dict = {}


def _lean_nbgrader_import() -> None:
    """Import nbgrader without what a grading worker never runs, a third of its import (~0.25 s of CPU on the
    cold path, issue 20): nbgrader/__init__.py loads its four Jupyter server extensions (jupyter_server, tornado
    handlers), and nbgrader.utils imports setuptools (pkg_resources, vendored parsers) for an archive helper only
    ``nbgrader zip_collect`` calls. The package is registered without running its __init__ (which runs in full,
    once, the first time anyone asks the package for a name it does not have yet), and setuptools.archive_util
    stands in by three functions that import the real one when called. Nothing changes where nbgrader is
    already imported."""
    import importlib
    import importlib.util
    import sys
    import types

    if "nbgrader" not in sys.modules and (spec := importlib.util.find_spec("nbgrader")) and spec.loader:
        package = importlib.util.module_from_spec(spec)
        state = {"full": False}

        def attribute(name: str):
            if importlib.util.find_spec(f"nbgrader.{name}") is not None:  # ``from .. import utils``: a submodule
                return importlib.import_module(f"nbgrader.{name}")
            if state["full"]:
                raise AttributeError(f"module 'nbgrader' has no attribute {name!r}")
            state["full"] = True
            spec.loader.exec_module(package)
            return getattr(package, name)

        package.__getattr__ = attribute  # type: ignore[attr-defined]
        sys.modules["nbgrader"] = package
        package.__version__ = importlib.import_module("nbgrader._version").__version__  # type: ignore[attr-defined]
    if "setuptools.archive_util" not in sys.modules:
        stand_in = types.ModuleType("setuptools.archive_util")

        def real(name: str):
            def call(*args, **kwargs):
                if sys.modules.get("setuptools.archive_util") is stand_in:
                    del sys.modules["setuptools.archive_util"]
                return getattr(importlib.import_module("setuptools.archive_util"), name)(*args, **kwargs)
            return call

        for name in ("unpack_archive", "unpack_tarfile", "unpack_zipfile"):
            setattr(stand_in, name, real(name))
        sys.modules["setuptools.archive_util"] = stand_in


def _speed_up_nbgrader() -> None:
    """nbgrader opens the gradebook ~10 times per submission, each time with a new SQLAlchemy engine (losing
    the compiled-SQL cache), a new SQLite connection, and a check of every table. In a worker that grades one
    course for its whole life: one engine per URL whose connections stay pooled, and the tables checked once
    per engine; everything else about opening a Gradebook is nbgrader's own."""
    import nbgrader.api as api
    from sqlalchemy import create_engine
    from sqlalchemy.orm import scoped_session, sessionmaker

    if getattr(api, "_jinguo_shared", False):
        return

    def shared(url, **kw):
        key = (str(url), tuple(sorted(kw.items())))
        if key not in _ENGINES:
            engine = create_engine(url, **kw)
            engine.dispose = lambda *a, **k: None  # Gradebook.close() would drop the pooled connection
            _ENGINES[key] = engine
        return _ENGINES[key]

    checked: set[str] = set()
    courses: set[tuple[str, str]] = set()
    original_init = api.Gradebook.__init__

    def init(self, db_url, course_id="default_course", authenticator=None):
        if str(db_url) not in checked:
            original_init(self, db_url, course_id, authenticator)  # creates tables and alembic version if new
            checked.add(str(db_url))
            courses.add((str(db_url), course_id))
            return
        self.engine = api.create_engine(db_url, echo=False, future=True)
        self.db = scoped_session(sessionmaker(autoflush=True, bind=self.engine, future=True))
        if (str(db_url), course_id) not in courses:  # a course row, once there, is never removed
            self.check_course(course_id=course_id)
            courses.add((str(db_url), course_id))
        self.course_id = course_id
        self.authenticator = authenticator

    api.create_engine = shared
    api.Gradebook.__init__ = init
    api._jinguo_shared = True
    _cache_metadata_schema()


def _cache_metadata_schema() -> None:
    """nbgrader reads its cell-metadata schema from disk for every validator it creates and validates each cell
    with ``jsonschema.validate``, which re-checks the schema and walks it slowly: ~1.5 ms a cell. Here each
    schema version is read once and compiled once with fastjsonschema (which nbformat uses for whole notebooks);
    metadata it rejects goes through jsonschema as before, so nbgrader sees the very same ValidationError."""
    import fastjsonschema
    import jsonschema
    from nbgrader.nbgraderformat import common

    schemas: dict[int, dict] = {}  # by schema version; keeps each schema alive, so its id() stays its own
    compiled: dict[int, object] = {}  # by id() of a schema in ``schemas``
    read_schema = common.BaseMetadataValidator.__init__

    def init(self) -> None:
        if self.schema_version not in schemas:
            read_schema(self)
            jsonschema.validators.validator_for(self.schema).check_schema(self.schema)
            schemas[self.schema_version] = self.schema
            compiled[id(self.schema)] = fastjsonschema.compile(self.schema)
        self.schema = schemas[self.schema_version]

    class CachedJsonschema:
        def __getattr__(self, name: str):
            return getattr(jsonschema, name)

        @staticmethod
        def validate(instance, schema) -> None:
            check = compiled.get(id(schema))
            if check is None:  # not a schema read above: nbgrader's own way
                jsonschema.validate(instance, schema)
                return
            try:
                check(instance)
            except fastjsonschema.JsonSchemaException:
                jsonschema.validate(instance, schema)  # the authority: raises nbgrader's usual error

    common.BaseMetadataValidator.__init__ = init
    common.jsonschema = CachedJsonschema()


def _warm_first_grade(coursedir) -> None:
    """What a worker's first submission would otherwise pay once (~0.3 s), done while its zygote still boots:
    nbformat's notebook validators and nbgrader's metadata validators compiled (fastjsonschema builds Python
    source from each schema), the grading steps imported, and the gradebook opened once (its tables checked)."""
    import nbformat
    from nbformat.validator import get_validator
    from nbgrader.api import Gradebook
    from nbgrader.converters import Autograde  # noqa: F401  (imported now, not at the first submission)
    from nbgrader.nbgraderformat import MetadataValidator

    for relaxed in (False, True):  # nbformat reads strictly; nbconvert's exporters validate relaxed
        get_validator(nbformat.current_nbformat, nbformat.current_nbformat_minor, relax_add_props=relaxed)
    MetadataValidator()
    try:
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            gb.db.remove()
    except Exception:  # noqa: BLE001 - a gradebook locked or broken now: the first submission meets it and is
        pass           # reported ``error`` (retried), as without this warm-up; the worker itself must start


def course_config(course: Path, limits: SandboxLimits):
    """The course's nbgrader_config.py, as ``nbgrader autograde`` reads it, plus our Execute step."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades

    from grading.executor import GuardedExecute
    from grading.savegrades import SaveAutoGradesOnce, is_save_auto_grades

    cfg = load_course_config(course)
    cfg.CourseDirectory.root = str(course)
    cfg.Execute.timeout = limits.cell_timeout
    cfg.GuardedExecute.timeout = limits.cell_timeout
    cfg.GuardedExecute.notebook_timeout = limits.notebook_timeout
    if "permissions" not in cfg.Autograde:  # nbgrader's 444 leaves autograded notebooks readable by every account
        cfg.Autograde.permissions = 440  # (octal digits, as nbgrader reads it); the group: a course's instructors
    steps = list(cfg.Autograde.get("autograde_preprocessors", [])) or [
        "nbgrader.preprocessors.Execute", IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
        AssignLatePenalties, CheckCellMetadata]
    from nbgrader.preprocessors import Execute

    def is_execute(step) -> bool:
        return step in (Execute, "nbgrader.preprocessors.Execute", "nbgrader.preprocessors.execute.Execute")

    cfg.Autograde.autograde_preprocessors = [
        GuardedExecute if is_execute(s) else SaveAutoGradesOnce if is_save_auto_grades(s) else s for s in steps]
    return cfg


class Worker:
    """Grades submissions of one course, one at a time, each notebook in a fresh sandboxed kernel."""

    def __init__(self, course_dir: str | Path, limits: SandboxLimits | None = None, sandbox: bool = True):
        from grading.sandbox import Zygote

        self.course = Path(course_dir).resolve()
        limits = limits or SandboxLimits()
        # The course's limits (the nbgrader_config.py the workers grade with, without nbgrader) ...
        self.limits = SandboxLimits(config=load_course_config(self.course), **{
            k: getattr(limits, k) for k in limits.trait_names() if limits.trait_metadata(k, "config")})
        # ... so the sandboxed zygote is launched first and prewarms (~1.5 s) on one core while this process
        # imports and warms nbgrader (~2 s) on the other: a cold worker is ready after the longer of the two,
        # not after their sum (issue 20).
        self.zygote = Zygote(self.limits, sandbox=sandbox, wait=False)
        try:
            _lean_nbgrader_import()
            from nbgrader.coursedir import CourseDirectory

            from grading.executor import GuardedExecute

            _speed_up_nbgrader()
            self.config = course_config(self.course, self.limits)
            self.coursedir = CourseDirectory(config=self.config)
            GuardedExecute.zygote = self.zygote
            self.log = logging.getLogger("jinguo.grading")
            _warm_first_grade(self.coursedir)
            self.zygote.wait_ready()
        except BaseException:
            self.zygote.close()
            raise

    def grade(self, assignment: str, student: str) -> GradeResult:
        from nbgrader.converters import Autograde

        cd = self.coursedir
        cd.assignment_id, cd.student_id = assignment, student
        submitted = Path(cd.format_path(cd.submitted_directory, student, assignment))
        autograded = Path(cd.format_path(cd.autograded_directory, student, assignment))
        if (odd := odd_file(submitted)) is not None:
            # the engine refuses these before grading; a caller that skipped its checks meets this wall
            rel = odd.relative_to(submitted).as_posix()
            return GradeResult(student, assignment, 0.0, 0.0, "invalid",
                               f"提交中有符号链接或特殊文件 {rel}，不予接受 / the submission holds a symbolic link or a "
                               f"special file, {rel}: not accepted")
        conv = Autograde(coursedir=cd, config=self.config)
        conv.force = True
        conv.create_student = True
        outcomes: list[dict] = []
        failed: list[tuple[str, BaseException]] = []  # (her notebook's file, what its conversion raised)
        original = conv.convert_single_notebook

        def convert(filename: str) -> None:
            # give each notebook a clean sandbox, and remember how its kernel ended
            self.zygote.prepare(autograded, submitted)
            try:
                original(filename)
            except Exception as exc:
                failed.append((filename, exc))
                raise

        conv.convert_single_notebook = convert
        _capture_outcomes(conv, outcomes)
        cwd = os.getcwd()
        try:
            conv.start()
        except Exception as exc:
            return self._failure(conv, assignment, student, failed[-1] if failed else (None, exc))
        finally:
            os.chdir(cwd)
            self.zygote.reset()
        result = read_result(self.coursedir.db_url, cd.course_id, self.course, assignment, student)
        stopped = [o.get("stopped") for o in outcomes if o.get("stopped")]
        if "timeout" in stopped or any(o.get("cell_timeout") for o in outcomes):
            result.status = "timeout"
            result.message = (f"有单元格或笔记本超时（每格 {self.limits.cell_timeout} 秒，每本 {self.limits.notebook_timeout} 秒），"
                              f"超时之后的单元格不得分 / a cell or notebook ran out of time ({self.limits.cell_timeout} s "
                              f"per cell, {self.limits.notebook_timeout} s per notebook); later cells earn nothing")
        elif stopped:
            result.message = ("内核中途退出（退出、超出内存或 CPU 限制），此后的单元格不得分 / the kernel ended midway "
                              "(exit, memory or CPU limit); later cells earn nothing")
        return result

    def _failure(self, conv, assignment: str, student: str, failure: tuple[str | None, BaseException]) -> GradeResult:
        """``invalid`` when the failure is her notebook's, ``error`` when it is the platform's (grading/failures.py)."""
        from grading.failures import her_reason, is_platform_failure, source_goes_through

        filename, exc = failure
        if filename is not None and not is_platform_failure(exc):
            name = Path(filename).name
            source = self.course / "source" / assignment / name
            if source.exists() and source_goes_through(conv, source, filename):
                self.log.info("%s/%s: nbgrader failed on her notebook: %r", student, assignment, exc)
                return GradeResult(student, assignment, 0.0, 0.0, "invalid", " / ".join(her_reason(exc, name, source)))
        self.log.warning("%s/%s: grading failed: %r", student, assignment, exc)
        said = f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"[:200]
        sources = sorted((self.course / "source" / assignment).glob("*.ipynb"))
        try:  # what the operator needs to know, never a fragment of a hidden test (the learner may read it too)
            import nbformat

            hidden = [notebook_fragments(nbformat.read(str(p), as_version=4).cells) for p in sources]
            said = next((type(exc).__name__ for h in hidden if safe_message(said, h) != said), said)
        except Exception:  # noqa: BLE001 - no source to compare with: the type alone
            said = type(exc).__name__
        return GradeResult(student, assignment, 0.0, 0.0, "error",
                           f"评分失败（平台故障，不计入提交次数）/ grading failed (a platform failure, not counted): {said}")

    def close(self) -> None:
        self.zygote.close()


def _capture_outcomes(conv, outcomes: list[dict]) -> None:
    """Collect what GuardedExecute noted in each notebook's resources."""
    original = conv.exporter_class

    class Recording(original):  # type: ignore[misc,valid-type]
        def from_notebook_node(self, nb, resources=None, **kw):
            out, res = super().from_notebook_node(nb, resources, **kw)
            if res and "jinguo" in res:
                outcomes.append(res["jinguo"])
            return out, res

    conv.exporter_class = Recording


def read_result(db_url: str, course_id: str, course: Path, assignment: str, student: str) -> GradeResult:
    """The gradebook's word on one submission, with per-cell detail: the error's type and its own message, never
    a fragment of a hidden test (grading/hidden.py)."""
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return GradeResult(student, assignment, 0.0, 0.0, "error", "成绩册中没有这份提交 / not in the gradebook")
        result = GradeResult(student, assignment, float(sub.score), float(sub.max_score), "graded")
        for nb in sub.notebooks:
            errors: dict[str, str] = {}
            path = course / "autograded" / student / assignment / f"{nb.name}.ipynb"
            if path.exists():
                doc = nbformat.read(path, as_version=4)
                hidden = notebook_fragments(doc.cells)
                for cell in doc.cells:
                    gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                    for o in cell.get("outputs", []):
                        if o.get("output_type") == "error":
                            # the error's own message, unless it quotes a hidden test (its code, its expected value)
                            said = safe_message(str(o.get("evalue", ""))[:300], hidden)
                            errors[gid] = f"{o.get('ename')}: {said}" if said else str(o.get("ename"))
                            break
            cells = []
            answers = {c.name for c in nb.notebook.solution_cells}  # graded answers, not tests
            for g in sorted(nb.grades, key=lambda g: g.name):
                auto = g.auto_score is not None
                cells.append(CellResult(g.name, float(g.score), float(g.max_score),
                                        passed=bool(auto and float(g.score) >= float(g.max_score)),
                                        needs_manual_grade=bool(g.needs_manual_grade), error=errors.get(g.name, ""),
                                        test=g.name not in answers))
            result.notebooks.append(NotebookResult(nb.name, float(nb.score), float(nb.max_score), cells))
        gb.db.remove()
    return result
