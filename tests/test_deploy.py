# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The production files: docker-compose.yml, docker/Dockerfile, config/.

No Docker engine runs here, so the files are checked for what would break a
deployment: every service's image or build, command, mounted configuration
and health check; secrets only from the environment; the configuration the
containers load parses and names what the server needs.
"""
import configparser
import re
import shlex
import subprocess
import sys
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TRYTON_SERVICES = {'server', 'cron', 'worker'}
# Commands the image provides: trytond's scripts, uWSGI of the official
# image, and our health check (installed by docker/Dockerfile).
KNOWN_COMMANDS = {'uwsgi', 'trytond', 'trytond-cron', 'trytond-worker',
    'trytond-admin', 'ecom-healthcheck', 'pg_isready'}


def load_compose():
    with open(ROOT / 'docker-compose.yml') as file:
        return yaml.safe_load(file)


def dockerfile_copies(path):
    "The (sources, destination) of each COPY of a Dockerfile"
    copies = []
    for line in path.read_text().splitlines():
        parts = shlex.split(line) if line.startswith('COPY ') else []
        if parts:
            args = [p for p in parts[1:] if not p.startswith('--')]
            copies.append((args[:-1], args[-1]))
    return copies


class DeployTestCase(unittest.TestCase):
    "docker-compose.yml and the image build"

    @classmethod
    def setUpClass(cls):
        cls.compose = load_compose()
        cls.services = cls.compose['services']

    def test_services(self):
        "PostgreSQL 16, the server, cron and worker"
        self.assertEqual(set(self.services),
            {'postgres'} | TRYTON_SERVICES)
        self.assertRegex(self.services['postgres']['image'], r'^postgres:16')

    def test_tryton_services_build_the_project_image(self):
        "The Tryton services build docker/Dockerfile from the official image"
        dockerfile = ROOT / 'docker' / 'Dockerfile'
        self.assertTrue(dockerfile.exists())
        self.assertRegex(dockerfile.read_text(),
            r'(?m)^FROM tryton/tryton:8\.0$')
        for name in TRYTON_SERVICES:
            with self.subTest(service=name):
                service = self.services[name]
                build = service['build']
                self.assertEqual(
                    (ROOT / build['context'] / build['dockerfile']).resolve(),
                    dockerfile.resolve())
                self.assertEqual(service['image'], 'ecom-erp:8.0')

    def test_dockerfile_copies_exist(self):
        "Everything the Dockerfile copies is in the repository"
        copies = dockerfile_copies(ROOT / 'docker' / 'Dockerfile')
        self.assertTrue(copies)
        for sources, _ in copies:
            for source in sources:
                with self.subTest(source=source):
                    self.assertTrue((ROOT / source).exists())

    def test_commands(self):
        "Each service runs a command the image has, on the right database"
        commands = {name: self.services[name]['command']
            for name in TRYTON_SERVICES}
        for name, command in commands.items():
            with self.subTest(service=name):
                self.assertIn(command[0], KNOWN_COMMANDS)
        self.assertEqual(commands['cron'][0], 'trytond-cron')
        self.assertEqual(commands['worker'][0], 'trytond-worker')
        for name in ('cron', 'worker'):
            self.assertIn('-d', commands[name])
        self.assertEqual(commands['server'][:2], ['uwsgi', '--ini'])
        uwsgi = self.mounted(self.services['server'], commands['server'][2])
        parser = configparser.ConfigParser(strict=False)
        parser.read(uwsgi)
        self.assertEqual(parser['uwsgi']['wsgi'],
            'trytond.application:app')

    def mounted(self, service, target):
        "The repository file mounted at `target` in the service"
        for volume in service.get('volumes', []):
            source, _, rest = volume.partition(':')
            if rest.split(':')[0] == target:
                self.assertTrue(source.startswith('./'),
                    f"{target} is not mounted from the repository")
                path = ROOT / source
                self.assertTrue(path.exists(), f"{source} is missing")
                return path
        self.fail(f"nothing is mounted at {target}")

    def test_mounted_configuration(self):
        "Each Tryton service mounts its configuration from the repository"
        for name in TRYTON_SERVICES:
            service = self.services[name]
            with self.subTest(service=name):
                conf = self.mounted(service, '/etc/trytond.conf')
                self.mounted(service, '/etc/trytond_logging.conf')
                parser = configparser.ConfigParser()
                parser.read(conf)
                # The URI comes from the environment: the file must not
                # set it, or it would win over the environment.
                self.assertNotIn('uri', parser['database'])
                self.assertEqual(parser['queue']['worker'], 'True')
                self.assertEqual(parser['web']['root'],
                    '/var/lib/trytond/www')
                env = service['environment']
                self.assertIn('TRYTOND_DATABASE__URI', env)
                # The server must load the database at start (login
                # regression of trytond 8.0.12 on databases not loaded).
                self.assertIn('TRYTOND_DATABASE_NAMES', env)

    def test_logging_configuration_parses(self):
        "The logging configuration the containers use is valid"
        import logging.config
        logging.config.fileConfig(ROOT / 'config' / 'logging.conf',
            disable_existing_loggers=False)

    def test_health_checks(self):
        "Every service has a health check using a command the image has"
        for name, service in self.services.items():
            with self.subTest(service=name):
                test = service['healthcheck']['test']
                self.assertIn(test[0], {'CMD', 'CMD-SHELL'})
                command = (test[1] if test[0] == 'CMD'
                    else shlex.split(test[1])[0])
                self.assertIn(command, KNOWN_COMMANDS)
        for name in TRYTON_SERVICES:
            self.assertEqual(
                self.services[name]['depends_on']['postgres']['condition'],
                'service_healthy')

    def test_health_check_script(self):
        "The health check script runs and reports an unreachable server"
        script = ROOT / 'docker' / 'healthcheck.py'
        result = subprocess.run(
            [sys.executable, str(script), 'http', 'http://127.0.0.1:9/'],
            capture_output=True, text=True)
        self.assertEqual(result.returncode, 1)
        self.assertIn('unhealthy', result.stderr)

    def test_secrets_from_environment(self):
        "No password is written in the file: each comes from ${...}"
        # scheme://user:password@host, user possibly ${VAR:-default}
        credentials = re.compile(r'://(?:\$\{[^}]*\}|[^:@/]*):([^@]+)@')
        for name, service in self.services.items():
            for key, value in (service.get('environment') or {}).items():
                with self.subTest(service=name, variable=key):
                    if re.search('PASSWORD|SECRET|TOKEN', key):
                        self.assertRegex(value, r'^\$\{[A-Z_]+')
                    if match := credentials.search(str(value)):
                        self.assertRegex(match.group(1), r'^\$\{[A-Z_]+')
        text = (ROOT / 'docker-compose.yml').read_text()
        # required: compose refuses to start without it
        self.assertIn('${POSTGRES_PASSWORD:?', text)

    def test_volumes(self):
        "Database files and attachments live in named volumes"
        self.assertEqual(set(self.compose['volumes']), {'pgdata',
                'attachments'})
        self.assertIn('pgdata:/var/lib/postgresql/data',
            self.services['postgres']['volumes'])
