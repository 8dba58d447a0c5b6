# The seed's section 5.1, as written; ApiIT replaces the host and adds the imports around it.
# 1. Start replay
replay_response = requests.post(
    "http://localhost:8083/v1/replay/ticks",
    json={
        "provider": "ibkr",
        "symbols": ["NVDA"],
        "start": "2025-11-01T09:30:00Z",
        "end": "2025-11-01T16:00:00Z",
        "speed": 0.0  # Burst mode
    }
)
run_id = replay_response.json()["run_id"]

# 2. Your signal consumer processes ticks and generates signals
# 3. Your strategy consumer reads signals and makes trading decisions
# 4. Results are tracked in your own tables/metrics

# 5. Check replay status
status = requests.get(f"http://localhost:8083/v1/replay/ticks/{run_id}").json()
print(f"Replayed {status['rows_written']} ticks")
