.PHONY: bench bench-quick

# Full benchmark against a real Dovecot, side by side with imapfilter (~13 min on 2 cores).
# Needs: apt-get install dovecot-imapd imapfilter
bench:
	go run ./bench -out bench/out/results.json

# Smoke run with tiny sizes (under a minute).
bench-quick:
	go run ./bench -quick -out bench/out/quick.json
