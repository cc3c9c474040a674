"""
The fdrtd 'secure sum' tutorial (seed/secure-sum-tutorial.md), step by step, as one script.

Unchanged but for the three node URLs, which point at three simon-p2p gateways on localhost
instead of the public test servers. Start them first, in another terminal:

    node examples/python-client/start_gateways.mjs

then run this with the fdrtd client installed (`pip install fdrtd`):

    python3 examples/python-client/tutorial.py
"""
import fdrtd

# 1. describe a peer-to-peer network
nodes = ["http://127.0.0.1:55501", "http://127.0.0.1:55502", "http://127.0.0.1:55503"]

network_A = {'nodes': nodes, 'myself': 0}
network_B = {'nodes': nodes, 'myself': 1}
network_C = {'nodes': nodes, 'myself': 2}

# 2. connect to the servers
api_A = fdrtd.Api(fdrtd.HttpInterface(nodes[0]))
api_B = fdrtd.Api(fdrtd.HttpInterface(nodes[1]))
api_C = fdrtd.Api(fdrtd.HttpInterface(nodes[2]))

# 3. start a secure computation task
protocol_A = api_A.select_microservice(protocol="Simon")
protocol_B = api_B.select_microservice(protocol="Simon")
protocol_C = api_C.select_microservice(protocol="Simon")

task_A = protocol_A.create(microprotocol="SecureSum", network=network_A)

# 4. invite others to join your task
invitation = task_A.invite()

task_B = protocol_B.join(invitation=invitation, network=network_B)
task_C = protocol_C.join(invitation=invitation, network=network_C)

# 5. provide private input to a task
kvstorage_A = api_A.select_microservice(microservice="KeyValueStorage")
kvstorage_B = api_B.select_microservice(microservice="KeyValueStorage")
kvstorage_C = api_C.select_microservice(microservice="KeyValueStorage")

data_A = kvstorage_A.create(value=10)
data_B = kvstorage_B.create(value=7)
data_C = kvstorage_C.create(value=14)

task_A.input(source=data_A)
task_B.input(source=data_B)
task_C.input(source=data_C)

# 6. query the result of a task: 3 inputs, 3 samples, sum 31
print(task_A.result())
print(task_B.result())
print(task_C.result())

# cleanup: always clean up your sensitive data
data_A.delete()
data_B.delete()
data_C.delete()
