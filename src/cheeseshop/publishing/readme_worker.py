"""Renders one large README in a process of its own, under a CPU and memory
budget (see :func:`cheeseshop.publishing.readme.render_bounded`).

    python -m cheeseshop.publishing.readme_worker SECONDS BYTES < request.json
"""

import json
import resource
import sys


def main(seconds, memory):
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from cheeseshop.publishing import readme

    request = json.load(sys.stdin)
    try:
        answer = {"html": readme.render(request["text"], request["content_type"])}
    except readme.ReadmeError as exc:
        answer = {"error": str(exc)}
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
