# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""A local SMTP server for the tests (standard library only).

    with SMTPServer() as server:
        config.set('email', 'uri', server.uri)
        ...  # trytond.sendmail sends to it
        message = server.messages[0]   # email.message.EmailMessage

It speaks just enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
for smtplib, on 127.0.0.1 and a free port, in a thread.
"""
import email
import email.policy
import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):

    def reply(self, text):
        self.wfile.write(f'{text}\r\n'.encode())

    def handle(self):
        self.reply('220 localhost test SMTP')
        sender, recipients = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode('ascii', 'replace').strip()
            verb = command[:4].upper()
            if verb in {'EHLO', 'HELO'}:
                self.reply('250 localhost')
            elif verb == 'MAIL':
                sender, recipients = command.split(':', 1)[1].strip(), []
                self.reply('250 OK')
            elif verb == 'RCPT':
                recipients.append(command.split(':', 1)[1].strip(' <>'))
                self.reply('250 OK')
            elif verb == 'DATA':
                self.reply('354 End data with <CR><LF>.<CR><LF>')
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if chunk in {b'.\r\n', b'.\n', b''}:
                        break
                    if chunk.startswith(b'..'):
                        chunk = chunk[1:]
                    data.append(chunk)
                message = email.message_from_bytes(b''.join(data),
                    policy=email.policy.default)
                self.server.messages.append(message)
                self.server.envelopes.append((sender, recipients))
                self.reply('250 OK queued')
            elif verb in {'RSET', 'NOOP'}:
                self.reply('250 OK')
            elif verb == 'QUIT':
                self.reply('221 Bye')
                return
            else:
                self.reply('502 Command not implemented')


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPServer:
    "A capturing SMTP server: messages and (sender, recipients) envelopes"

    def __init__(self):
        self._server = _Server(('127.0.0.1', 0), _Handler)
        self._server.messages = self.messages = []
        self._server.envelopes = self.envelopes = []
        self.port = self._server.server_address[1]
        self.uri = f'smtp://127.0.0.1:{self.port}'
        self._thread = threading.Thread(target=self._server.serve_forever,
            daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
