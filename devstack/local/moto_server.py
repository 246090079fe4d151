"""``python -m devstack.local.moto_server -H 127.0.0.1 -p 4566``: moto's server, quietly.

``python -m moto.server`` serves through werkzeug's ``run_simple``, which prints a coloured "this
is a development server" banner and logs a line per request; the local stack makes a dozen AWS
calls per user action, so those lines drowned everything else. This runs the same WSGI
application (moto's dispatcher and request handler) through werkzeug's ``make_server``, which has
no banner, with werkzeug's request lines dropped: moto's warnings and errors still reach the log.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.local.moto_server", description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto.server does: moto builds URLs with it
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one INFO line per request

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    # a taken port: werkzeug says so ("Port N is in use by another program") and exits with 1
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
