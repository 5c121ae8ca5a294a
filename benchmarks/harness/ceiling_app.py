"""The stack's ceiling: the smallest Pyramid app on waitress, one route that
answers a fixed body.  Run by path with the Python that runs cheeseshop:

    python ceiling_app.py PORT BODY_FILE CONTENT_TYPE OPTIONS_JSON

``OPTIONS_JSON``: waitress's options, the ones ``cheeseshop serve`` uses
(read from its source by ``ceiling_run``), so that the two differ only in
what the application does per request.  It imports nothing of cheeseshop:
its memory is the stack's own."""

import json
import sys
from pathlib import Path

import waitress
from pyramid.config import Configurator
from pyramid.response import Response


def make_app(body: bytes, content_type: str):
    def page(request):
        return Response(body=body, content_type=content_type, charset=None)

    with Configurator() as config:
        config.add_route("page", "/simple/{name}/")
        config.add_view(page, route_name="page")
        return config.make_wsgi_app()


def main(argv):
    port, body_file, content_type, options = argv
    app = make_app(Path(body_file).read_bytes(), content_type)
    waitress.serve(app, host="127.0.0.1", port=int(port), **json.loads(options))


if __name__ == "__main__":
    main(sys.argv[1:])
