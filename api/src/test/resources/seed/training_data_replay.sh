# The seed's section 5.2 step 1, as written; ApiIT replaces the host.
# 1. Replay historical session
curl -X POST http://localhost:8083/v1/replay/ticks \
  -H "Content-Type: application/json" \
  -d '{
    "provider": "ibkr",
    "symbols": ["NVDA", "AAPL", "MSFT"],
    "start": "2025-10-01T09:30:00Z",
    "end": "2025-10-31T16:00:00Z",
    "speed": 0.0
  }'

