.PHONY: bench bench-quick

# Full benchmark against a real Dovecot, side by side with imapfilter (~13 min on 2 cores).
# Needs: apt-get install dovecot-imapd imapfilter
bench:
	go run ./tools/bench -out tools/bench/out/results.json

# Smoke run with tiny sizes (under a minute).
bench-quick:
	go run ./tools/bench -quick -out tools/bench/out/quick.json
