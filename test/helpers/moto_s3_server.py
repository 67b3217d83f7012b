# moto's S3 server, one request at a time. moto's own `moto_server` handles requests on threads, and
# its check of If-None-Match and the write that follows are not atomic there: with 8 writers racing
# for one key, 1 round in 100 had two winners (measured here). Served from one thread, every
# conditional write is atomic, as on S3. Run with the venv of scripts/ensure-objectstores.sh:
#   python moto_s3_server.py HOST PORT
import os
import signal
import sys

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    run_simple(host, port, DomainDispatcherApplication(create_backend_app), threaded=False, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
