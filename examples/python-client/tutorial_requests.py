#!/usr/bin/env python3
"""
The fdrtd 'secure sum' tutorial with plain `requests`: every HTTP request the fdrtd 0.2.0 client
sends for the tutorial, exactly as FDRTD-API.md describes it ("How the client builds calls"),
each answer checked against the status that document gives for it. Runs where `pip install
fdrtd` cannot (only `requests` is needed).

    python3 tutorial_requests.py [URL_A URL_B URL_C]

The URLs default to $SIMON_GATEWAY_URLS (space-separated), then to the three gateways that
start_gateways.mjs starts. With $SIMON_GATEWAY_TOKEN set, every request carries it as a bearer
token. Prints each party's result and exits 0 when all three are 31, 1 otherwise.
"""
import json
import os
import sys

import requests

DEFAULT_NODES = ["http://127.0.0.1:55501", "http://127.0.0.1:55502", "http://127.0.0.1:55503"]
EXPECTED = {"inputs": 3, "result": {"samples": 3, "sum": 31}}
ACCEPTED = (200, 201, 202, 204)
# result() waits at the gateway (30 s by default) before answering None: leave it the time
REQUEST_TIMEOUT_S = 120


class Server:
    """One root URL, spoken to as the fdrtd client does: a JSON body on every request, {} when empty."""

    def __init__(self, url, token=None):
        self.url = url
        self.headers = {} if token is None else {"Authorization": "Bearer " + token}

    def _answer(self, response, expected):
        if response.status_code not in ACCEPTED:
            # the fdrtd client raises with the status and the body
            raise RuntimeError("%s answered %d: %s" % (self.url, response.status_code, response.text))
        if response.status_code != expected:
            raise AssertionError("%s answered %d, FDRTD-API.md says %d: %s" % (self.url, response.status_code, expected, response.text))
        return None if response.text == "" else response.json()

    def list_microservices(self):
        return self._answer(requests.get(self.url, json={}, headers=self.headers, timeout=REQUEST_TIMEOUT_S), 200)

    def select_microservice(self, **identifiers):
        handle = self._answer(requests.put(self.url, json=identifiers, headers=self.headers, timeout=REQUEST_TIMEOUT_S), 202)
        return {"handle": handle, "callback": None}

    def call(self, handle, function, expected, **parameters):
        body = {"handle": handle["handle"], "function": function, "parameters": parameters}
        if handle["callback"] is not None:
            body["callback"] = handle["callback"]
        answer = self._answer(requests.post(self.url, json=body, headers=self.headers, timeout=REQUEST_TIMEOUT_S), expected)
        if expected == 201:
            return {"handle": answer["handle"], "callback": answer["callback"]}
        if expected == 202:
            return {"handle": answer, "callback": None}
        return answer


def tutorial(nodes, token=None):
    # 1. describe a peer-to-peer network
    network_A = {"nodes": nodes, "myself": 0}
    network_B = {"nodes": nodes, "myself": 1}
    network_C = {"nodes": nodes, "myself": 2}

    # 2. connect to the servers
    api_A, api_B, api_C = (Server(url, token) for url in nodes)
    for api in (api_A, api_B, api_C):
        listed = api.list_microservices()
        assert any(m["identifiers"].get("protocol") == "Simon" for m in listed), listed

    # 3. start a secure computation task
    protocol_A = api_A.select_microservice(protocol="Simon")
    protocol_B = api_B.select_microservice(protocol="Simon")
    protocol_C = api_C.select_microservice(protocol="Simon")
    task_A = api_A.call(protocol_A, "create", 201, microprotocol="SecureSum", network=network_A)

    # 4. invite others to join your task
    invitation = api_A.call(task_A, "invite", 200)
    assert invitation["task"] == task_A["callback"], invitation
    task_B = api_B.call(protocol_B, "join", 201, invitation=invitation, network=network_B)
    task_C = api_C.call(protocol_C, "join", 201, invitation=invitation, network=network_C)
    assert task_B["callback"] == task_C["callback"] == task_A["callback"]

    # 5. provide private input: a Handle passed as a parameter travels as {handle, callback}
    kvstorage_A = api_A.select_microservice(microservice="KeyValueStorage")
    kvstorage_B = api_B.select_microservice(microservice="KeyValueStorage")
    kvstorage_C = api_C.select_microservice(microservice="KeyValueStorage")
    data_A = api_A.call(kvstorage_A, "create", 201, value=10)
    data_B = api_B.call(kvstorage_B, "create", 201, value=7)
    data_C = api_C.call(kvstorage_C, "create", 201, value=14)
    assert api_A.call(task_A, "input", 204, source=data_A) is None
    assert api_B.call(task_B, "input", 204, source=data_B) is None
    assert api_C.call(task_C, "input", 204, source=data_C) is None

    # 6. query the result of a task
    results = []
    for name, api, task in (("A", api_A, task_A), ("B", api_B, task_B), ("C", api_C, task_C)):
        result = api.call(task, "result", 200)
        print("party %s: %s" % (name, json.dumps(result)), flush=True)
        results.append(result)

    # cleanup: always clean up your sensitive data
    assert api_A.call(data_A, "delete", 204) is None
    assert api_B.call(data_B, "delete", 204) is None
    assert api_C.call(data_C, "delete", 204) is None
    return results


def main(argv):
    nodes = argv[1:] or os.environ.get("SIMON_GATEWAY_URLS", "").split() or DEFAULT_NODES
    if len(nodes) != 3:
        print("usage: tutorial_requests.py [URL_A URL_B URL_C]", file=sys.stderr)
        return 2
    try:
        results = tutorial(nodes, os.environ.get("SIMON_GATEWAY_TOKEN") or None)
    except (RuntimeError, AssertionError, requests.RequestException) as err:
        print("tutorial failed: %s" % err, file=sys.stderr)
        return 1
    if results != [EXPECTED] * 3:
        print("expected %s at all three parties" % json.dumps(EXPECTED), file=sys.stderr)
        return 1
    print("the sum is 31 at all three parties")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
