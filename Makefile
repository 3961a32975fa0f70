.PHONY: bench bench-quick deb

# Full benchmark against a real Dovecot, side by side with imapfilter (~13 min on 2 cores).
# Needs: apt-get install dovecot-imapd imapfilter
bench:
	go run ./tools/bench -out tools/bench/out/results.json

# Smoke run with tiny sizes (under a minute).
bench-quick:
	go run ./tools/bench -quick -out tools/bench/out/quick.json

# Debian packages for amd64, arm64 and armhf (Raspberry Pi OS) in dist/,
# built with nfpm from this commit; the same commit gives the same bytes.
deb:
	go run ./tools/mkdeb -arch amd64,arm64,armhf -out dist
