#!/usr/bin/env python3
"""
One party's fdrtd client on its own test host: speaks only to its own gateway, with the requests
of examples/python-client/tutorial_requests.py (its Server class, each answer checked against the
status FDRTD-API.md gives). Reads one JSON command per stdin line and answers one JSON line:

    {"op": "create", "network": {...}, "timeout": 5}  -> {"task": HANDLE, "invitation": {...}}
    {"op": "join", "invitation": {...}, "network": {...}, "timeout": 5}  -> {"task": HANDLE}
    {"op": "input", "task": HANDLE, "value": 10}  -> {"data": HANDLE}
    {"op": "result", "task": HANDLE}  -> {"result": {...}}
    {"op": "delete", "data": HANDLE}  -> {}

A request that fails answers {"error": "<status and body, or the connection error>"}.

    python3 party.py URL    (the token, if any, in $SIMON_GATEWAY_TOKEN)
"""
import json
import os
import sys

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "python-client"))
from tutorial_requests import Server  # noqa: E402


def handle(api, protocol, command):
    op = command["op"]
    if op == "create":
        task = api.call(protocol, "create", 201, microprotocol="SecureSum", network=command["network"], timeout=command["timeout"])
        return {"task": task, "invitation": api.call(task, "invite", 200)}
    if op == "join":
        return {"task": api.call(protocol, "join", 201, invitation=command["invitation"], network=command["network"], timeout=command["timeout"])}
    if op == "input":
        storage = api.select_microservice(microservice="KeyValueStorage")
        data = api.call(storage, "create", 201, value=command["value"])
        api.call(command["task"], "input", 204, source=data)
        return {"data": data}
    if op == "result":
        return {"result": api.call(command["task"], "result", 200)}
    if op == "delete":
        api.call(command["data"], "delete", 204)
        return {}
    raise AssertionError("unknown op %r" % op)


def main(argv):
    api = Server(argv[1], os.environ.get("SIMON_GATEWAY_TOKEN") or None)
    protocol = None
    for line in sys.stdin:
        command = json.loads(line)
        try:
            if protocol is None:
                protocol = api.select_microservice(protocol="Simon")
            answer = handle(api, protocol, command)
        except (RuntimeError, AssertionError, requests.RequestException) as err:
            answer = {"error": str(err)}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
