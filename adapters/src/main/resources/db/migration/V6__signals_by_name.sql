-- The seed's signal queries select one provider and signal over a recent time (section 2.4:
-- provider = 'ibkr' AND name = 'vwap_deviation_bps' AND ts > NOW() - INTERVAL '1 hour' ORDER BY ts DESC;
-- the average spread per symbol over the last hour): the primary key leads with the symbol, so without
-- this index each such query reads every row of the provider (about 2 s on the demo's 7.5M rows).
CREATE INDEX IF NOT EXISTS signals_provider_name_ts ON signals (provider, name, ts);
