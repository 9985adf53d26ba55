# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""A log of background-job runs that users can read.

Each run records when it started and ended, what it counted (processed,
created, updated, skipped, errors) and the messages of the items that failed.
A run is tracked with::

    with JobRun.track('ecom_connector.order_pull', origin=channel) as run:
        run.add('processed')
        run.error("order 123: missing buyer address", record=raw_order)

On PostgreSQL the run is committed as "running" when it starts, so users see
work in progress; SQLite has a single writer, so there the run appears when
the job's own transaction commits.  The final figures are written in the
job's transaction: they land with the work they describe.  When the job
raises, its work is rolled back and the run is stored as failed with the
error, the same way Tryton's cron reports errors.
"""
import datetime
import logging
import traceback
from contextlib import contextmanager

from trytond import backend
from trytond.config import config
from trytond.exceptions import UserError
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import (
    Transaction, TransactionError, without_check_access)

logger = logging.getLogger(__name__)

COUNTERS = ('processed', 'created', 'updated', 'skipped', 'errors')
# Enough messages to diagnose a run without letting one bad feed of a
# million lines fill the database.
MAX_LINES = 500


class JobTracker:
    "The live view of a run, kept in memory and saved by JobRun.track"

    def __init__(self, job, origin=None, company=None):
        self.job = job
        self.origin = origin
        self.company = company
        self.started = datetime.datetime.now()
        self.counts = dict.fromkeys(COUNTERS, 0)
        self.lines = []
        self.message = None
        self.run_id = None

    def add(self, counter, number=1):
        self.counts[counter] += number

    def info(self, message, record=None):
        self._line('info', message, record)

    def warning(self, message, record=None):
        self._line('warning', message, record)

    def error(self, message, record=None):
        "Record an item that failed; the run goes on"
        self.counts['errors'] += 1
        self._line('error', message, record)

    def _line(self, level, message, record):
        if len(self.lines) < MAX_LINES:
            self.lines.append({
                    'level': level,
                    'message': str(message),
                    'record': str(record) if record is not None else None,
                    })

    @property
    def state(self):
        return 'partial' if self.counts['errors'] else 'done'


class JobRun(ModelSQL, ModelView):
    __name__ = 'ecom.job.run'
    __string__ = "Background Job Run"

    # Each module appends its kinds of job in __setup__.
    job = fields.Selection([
            ('ecom_base.demo', "Demo data build"),
            ], "Job", required=True, readonly=True)
    origin = fields.Reference(
        "Origin", selection='get_origins', readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    state = fields.Selection([
            ('running', "Running"),
            ('done', "Done"),
            ('partial', "Done with Errors"),
            ('failed', "Failed"),
            ], "State", required=True, readonly=True, sort=False)
    started = fields.DateTime("Started", required=True, readonly=True)
    ended = fields.DateTime("Ended", readonly=True)
    duration = fields.Function(fields.TimeDelta("Duration"), 'get_duration')
    processed = fields.Integer("Processed", readonly=True)
    created = fields.Integer("Created", readonly=True)
    updated = fields.Integer("Updated", readonly=True)
    skipped = fields.Integer("Skipped", readonly=True)
    errors = fields.Integer("Errors", readonly=True)
    message = fields.Text("Message", readonly=True)
    lines = fields.One2Many(
        'ecom.job.run.line', 'run', "Messages", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('started', 'DESC'), ('id', 'DESC')]
        table = cls.__table__()
        cls._sql_indexes.update({
                Index(table, (table.started, Index.Range())),
                Index(table, (table.state, Index.Equality()),
                    where=table.state == 'running'),
                })

    @classmethod
    def _get_origin(cls):
        "Models that a run may be about; each module appends its own"
        return ['company.company']

    @classmethod
    def get_origins(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        get_name = IrModel.get_name
        return [(None, '')] + [(m, get_name(m)) for m in cls._get_origin()]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('state') == 'failed', 'danger',
                    If(Eval('state') == 'partial', 'warning', ''))),
            ]

    def get_duration(self, name):
        if self.ended and self.started:
            return self.ended - self.started

    @classmethod
    @contextmanager
    def track(cls, job, origin=None, company=None):
        """Track the run of `job` (a value of the job field) about `origin`

        Yields a JobTracker; the counts and messages added to it are saved
        when the block ends.
        """
        if company is None:
            company = cls._default_company(origin)
        tracker = JobTracker(job, origin=origin, company=company)
        if cls._autonomous():
            try:
                with Transaction().new_transaction() as transaction, \
                        without_check_access():
                    run, = cls.create(
                        [cls._tracker_values(tracker, 'running')])
                    tracker.run_id = run.id
                    transaction.commit()
            except (backend.DatabaseIntegrityError, UserError):
                # The company or origin is not committed yet: the run
                # appears with the job's own transaction instead.
                tracker.run_id = None
        try:
            yield tracker
        except Exception as exception:
            if isinstance(exception, (
                        backend.DatabaseOperationalError, TransactionError)):
                # The framework retries the whole job on these (a lock to
                # take, a serialization failure): not a failure of the job.
                raise
            logger.exception("job %s failed", job)
            tracker.message = ''.join(
                traceback.format_exception_only(exception)).strip()
            transaction = Transaction()
            transaction.rollback()
            try:
                cls._save(tracker, 'failed')
                transaction.commit()
            except Exception:
                # e.g. the company was created by the rolled-back work:
                # keep the job's own error as the one that surfaces
                logger.exception("could not record the failure of %s", job)
                transaction.rollback()
            raise
        else:
            cls._save(tracker, tracker.state)

    @classmethod
    def _default_company(cls, origin):
        "The company of the context, else of the origin, else the only one"
        pool = Pool()
        Company = pool.get('company.company')
        company = Transaction().context.get('company')
        if company is None and origin is not None:
            origin_company = getattr(origin, 'company', None)
            if isinstance(origin, Company):
                origin_company = origin
            company = getattr(origin_company, 'id', None)
        if company is None:
            with without_check_access():
                companies = Company.search([], limit=2)
            if len(companies) == 1:
                company = companies[0].id
        if company is None:
            raise ValueError(
                "a job run needs a company: set it in the context")
        return company

    @classmethod
    def _autonomous(cls):
        return backend.name != 'sqlite'

    @classmethod
    def _tracker_values(cls, tracker, state):
        values = {
            'job': tracker.job,
            'origin': str(tracker.origin) if tracker.origin else None,
            'company': tracker.company,
            'state': state,
            'started': tracker.started,
            'message': tracker.message,
            }
        if state != 'running':
            values['ended'] = datetime.datetime.now()
            values.update(tracker.counts)
            values['lines'] = [('create', tracker.lines)]
        return values

    @classmethod
    def _save(cls, tracker, state):
        values = cls._tracker_values(tracker, state)
        with without_check_access():
            runs = cls.browse([tracker.run_id]) if tracker.run_id else []
            # The run committed at start is gone if the database was
            # restored meanwhile (tests); create it again in that case.
            runs = cls.search([('id', 'in', [r.id for r in runs])])
            if runs:
                cls.write(runs, values)
            else:
                runs = cls.create([values])
                if tracker.run_id and cls._autonomous():
                    cls._drop_started(tracker)
        tracker.run_id = runs[0].id
        return runs[0]

    @classmethod
    def _drop_started(cls, tracker):
        '''Delete the 'running' row committed at start that this transaction
        cannot see: its snapshot was taken before (it had queried already),
        so the final state went to a new row'''
        table = cls.__table__()
        with Transaction().new_transaction() as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute(*table.delete(where=(table.id == tracker.run_id)
                    & (table.state == 'running')
                    & (table.job == tracker.job)))
            transaction.commit()

    @classmethod
    def clean(cls, days=None):
        "Delete the runs that ended more than `days` ago"
        if days is None:
            days = config.getint('ecom', 'job_log_days', default=90)
        limit = datetime.datetime.now() - datetime.timedelta(days=days)
        while True:
            runs = cls.search([
                    ('state', '!=', 'running'),
                    ('ended', '<', limit),
                    ], limit=1000)
            if not runs:
                break
            cls.delete(runs)


class JobRunLine(ModelSQL, ModelView):
    __name__ = 'ecom.job.run.line'
    __string__ = "Background Job Message"

    run = fields.Many2One(
        'ecom.job.run', "Run", required=True, ondelete='CASCADE')
    level = fields.Selection([
            ('info', "Information"),
            ('warning', "Warning"),
            ('error', "Error"),
            ], "Level", required=True, readonly=True)
    message = fields.Text("Message", required=True, readonly=True)
    record = fields.Char("Record", readonly=True,
        help="The record the message is about, as model,id.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('run')
        cls._order = [('id', 'ASC')]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('level') == 'error', 'danger',
                    If(Eval('level') == 'warning', 'warning', ''))),
            ]

