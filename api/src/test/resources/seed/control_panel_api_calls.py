# The seed's section 4.1 "API Calls", as written; ApiIT replaces the host and adds the imports and prints around it.
# Start replay
response = requests.post(
    "http://pipeline-api:8083/v1/replay/ticks",
    json={
        "provider": "ibkr",
        "symbols": ["NVDA"],
        "start": "2025-11-03T14:00:00Z",
        "end": "2025-11-03T15:00:00Z",
        "speed": 10.0
    }
)
run_id = response.json()["run_id"]

# Poll status
status = requests.get(f"http://pipeline-api:8083/v1/replay/ticks/{run_id}").json()
