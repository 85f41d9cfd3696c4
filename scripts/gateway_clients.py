#!/usr/bin/env python3
"""Checks a running StreamScore gateway with real Python clients.

1. The tutorial client, unchanged: requests.post(url, json=data); response.json().
2. tritonclient[http] (Open Inference Protocol): server/model metadata and readiness, then
   infer() with binary inputs (the client's default) and with JSON inputs, binary and JSON
   outputs, a restricted output list, and an error status.

Usage: scripts/gateway_clients.py [http://127.0.0.1:8080]
Needs: pip install "tritonclient[http]" numpy requests (e.g. in a throwaway venv).
Exits non-zero on the first mismatch.
"""
import sys

import numpy as np
import requests
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]]

# 1. The tutorial client, unchanged.
url = base + "/predict"
data = {"data": rows}
response = requests.post(url, json=data)
print(response.json())
assert response.status_code == 200, response.text
answer = response.json()
assert answer["result"] == [0, 1], answer
assert answer["model"] == "iris" and answer["model_version"] == "1", answer
probabilities = np.array(answer["probabilities"])
assert probabilities.shape == (2, 3) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5), answer

# 2. tritonclient.
client = httpclient.InferenceServerClient(url=base.removeprefix("http://"))
assert client.is_server_live()
assert client.is_server_ready()
assert client.is_model_ready("iris")
assert client.is_model_ready("iris", "1")
metadata = client.get_model_metadata("iris")
print("metadata", metadata)
assert metadata["inputs"][0] == {"name": "float_input", "datatype": "FP32", "shape": [-1, 4]}, metadata
print("server", client.get_server_metadata())

x = np.array(rows, dtype=np.float32)
for binary_in in (True, False):
    for outputs in (None, [httpclient.InferRequestedOutput("label", binary_data=False),
                           httpclient.InferRequestedOutput("probabilities", binary_data=True)]):
        tensor = httpclient.InferInput("float_input", list(x.shape), "FP32")
        tensor.set_data_from_numpy(x, binary_data=binary_in)
        result = client.infer("iris", [tensor], outputs=outputs, request_id="py-1")
        labels = result.as_numpy("label")
        probs = result.as_numpy("probabilities")
        print("infer binary_in=%s outputs=%s" % (binary_in, outputs is not None), labels, probs.tolist())
        assert labels.tolist() == [0, 1], labels
        assert probs.shape == (2, 3) and np.allclose(probs, probabilities, atol=1e-6), probs
        assert result.get_response()["id"] == "py-1"

# A restricted output list and a pinned version.
tensor = httpclient.InferInput("float_input", [1, 4], "FP64")
tensor.set_data_from_numpy(np.array([[7.7, 2.6, 6.9, 2.3]], dtype=np.float64))
result = client.infer("iris", [tensor], model_version="1", outputs=[httpclient.InferRequestedOutput("label")])
assert result.as_numpy("label").tolist() == [2]
assert result.as_numpy("probabilities") is None

# Errors surface as InferenceServerException with the gateway's message.
try:
    client.infer("nope", [tensor])
    raise AssertionError("unknown model accepted")
except InferenceServerException as e:
    print("error", e)
    assert "unknown model 'nope'" in str(e), e
bad = httpclient.InferInput("float_input", [1, 3], "FP32")
bad.set_data_from_numpy(np.array([[1, 2, 3]], dtype=np.float32))
try:
    client.infer("iris", [bad])
    raise AssertionError("3 features accepted")
except InferenceServerException as e:
    print("error", e)
    assert "expects 4 features" in str(e), e
print("OK: tutorial client and tritonclient[http] work against", base)
