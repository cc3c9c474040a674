#!/usr/bin/env python3
"""
The Simon statistics microprotocols with plain `requests`, as the unchanged fdrtd client sends
them: protocol.create(microprotocol=..., network=...), invite/join, kvstorage.create(value=[...]),
task.input(source=...), task.result(). Each is run by three parties on Simon's own test data (fdrtd
plugin-simon tests/test_simon.py, its two parties' lists split over three) and checked against
Simon's known answers.

    python3 statistics_requests.py [URL_A URL_B URL_C]

Prints each result and exits 0 when every answer is met, 1 otherwise.
"""
import json
import os
import sys

import requests

from tutorial_requests import DEFAULT_NODES, Server

CASES = [
    ("StatisticsUnivariate", None, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0]],
     {"samples": 10, "minimum": 1.0, "maximum": 10.0, "sum": 55.0, "mean": 5.5,
      "harmonic_mean": 3.4141715214740550061, "geometric_mean": 4.5287286881167647622,
      "variance": 9.1666666666666666667, "variance_mle": 8.25, "variance_of_sample_mean": 0.91666666666666666667,
      "standard_deviation": 3.0276503540974916654, "standard_deviation_mle": 2.8722813232690143299,
      "standard_error_of_sample_mean": 0.95742710775633810998, "coefficient_of_variation": 0.55048188256318030280,
      "coefficient_of_variation_mle": 0.52223296786709351453, "root_mean_square": 6.2048368229954282981,
      "root_mean_square_deviation": 2.8722813232690143299, "skewness": 0.0, "kurtosis": 1.7757575757575757576,
      "kurtosis_excess": -1.2242424242424242424, "hyper_skewness": 0.0, "hyper_flatness": 3.7033976124885215794}),
    ("StatisticsBivariate", None, [[[1.0, 2.0]], [[2.0, 3.0]], [[1.5, 2.5]]],
     {"samples": 3, "covariance_mle": 1.0 / 6.0, "covariance": 0.25, "correlation_coefficient": 1.0,
      "regression_slope": 1.0, "regression_interceipt": 1.0, "regression_intercept": 1.0,
      "regression_slope_only": 11.75 / 7.25}),
    ("StatisticsFrequency", None, [["A", "A", "B", "C", "C", "C"], ["A", "B", "C", "B"], ["C", "B", "B", "C", "C"]],
     {"samples": 15, "mode": "C", "histogram": {"A": 3, "B": 5, "C": 7}}),
    ("StatisticsContingency", None,
     [[["smoker", "male"], ["non-smoker", "female"], ["smoker", "female"], ["non-smoker", "female"]],
      [["smoker", "male"], ["smoker", "male"], ["non-smoker", "female"], ["smoker", "female"]],
      [["smoker", "male"], ["non-smoker", "female"], ["non-smoker", "female"], ["non-smoker", "male"]]],
     {"samples": 12, "mode": ["non-smoker", "female"],
      "table": {"non-smoker": {"male": 1, "female": 5}, "smoker": {"male": 4, "female": 2}}}),
    ("StatisticsFrequency", {"categories": ["A", "B", "C", "D"], "min_count": 4},
     [["A", "A", "B", "C", "C", "C"], ["A", "B", "C", "B"], ["C", "B", "B", "C", "C"]],
     {"samples": 15, "mode": "C", "histogram": {"A": None, "B": 5, "C": 7, "D": None}}),
    ("MinimumMaximum", None, [[3.25, -1.5], [7.0], [0.0, 2.0]], {"minimum": -1.5, "maximum": 7.0}),
]


def matches(expected, actual):
    if isinstance(expected, float):
        return isinstance(actual, (int, float)) and abs(expected - actual) <= 1e-9 * max(1.0, abs(expected))
    if isinstance(expected, dict):
        return isinstance(actual, dict) and sorted(expected) == sorted(actual) and all(matches(expected[k], actual[k]) for k in expected)
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(matches(e, a) for e, a in zip(expected, actual))
    return expected == actual


def run(nodes, token, microprotocol, parameters, values):
    apis = [Server(url, token) for url in nodes]
    networks = [{"nodes": nodes, "myself": i} for i in range(3)]
    protocols = [api.select_microservice(protocol="Simon") for api in apis]
    extra = {} if parameters is None else {"parameters": parameters}
    tasks = [apis[0].call(protocols[0], "create", 201, microprotocol=microprotocol, network=networks[0], **extra)]
    invitation = apis[0].call(tasks[0], "invite", 200)
    tasks += [apis[i].call(protocols[i], "join", 201, invitation=invitation, network=networks[i]) for i in (1, 2)]
    stored = []
    for api, task, value in zip(apis, tasks, values):
        kvstorage = api.select_microservice(microservice="KeyValueStorage")
        data = api.call(kvstorage, "create", 201, value=value)
        assert api.call(task, "input", 204, source=data) is None
        stored.append((api, data))
    results = []
    for api, task in zip(apis, tasks):
        result = None
        while result is None:
            result = api.call(task, "result", 200)
        results.append(result)
    for api, data in stored:
        assert api.call(data, "delete", 204) is None
    return results


def main(argv):
    nodes = argv[1:] or os.environ.get("SIMON_GATEWAY_URLS", "").split() or DEFAULT_NODES
    token = os.environ.get("SIMON_GATEWAY_TOKEN") or None
    failed = 0
    for microprotocol, parameters, values, known in CASES:
        try:
            results = run(nodes, token, microprotocol, parameters, values)
        except (RuntimeError, AssertionError, requests.RequestException) as err:
            print("%s failed: %s" % (microprotocol, err), file=sys.stderr)
            return 1
        for name, result in zip("ABC", results):
            print("%s party %s: %s" % (microprotocol, name, json.dumps(result)), flush=True)
            if result.get("inputs") != 3 or not matches(known, result.get("result")):
                print("%s: party %s expected %s" % (microprotocol, name, json.dumps(known)), file=sys.stderr)
                failed += 1
    if failed:
        return 1
    print("every statistics microprotocol met its known answers at all three parties")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
