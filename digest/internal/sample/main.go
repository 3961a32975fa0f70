// Command sample writes the HTML part of a realistic sample digest (8 held messages, French and English
// patients, one near-miss, one attachment), taken from the message digest.Build produces, so that
// docs/render-digest.sh can photograph exactly what the therapist's mail client receives.
//
//	go run ./digest/internal/sample -html /tmp/digest.html [-eml /tmp/digest.eml] [-lang fr]
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/emersion/go-message/mail"

	"github.com/boundaryd/boundaryd/digest"
)

func main() {
	htmlPath := flag.String("html", "digest.html", "where to write the HTML part")
	emlPath := flag.String("eml", "", "also write the whole message here")
	lang := flag.String("lang", "en", "digest language: en or fr")
	flag.Parse()
	if err := run(*htmlPath, *emlPath, *lang); err != nil {
		fmt.Fprintln(os.Stderr, "sample:", err)
		os.Exit(1)
	}
}

func run(htmlPath, emlPath, lang string) error {
	raw, err := digest.Build(digest.Sample(lang))
	if err != nil {
		return err
	}
	if emlPath != "" {
		if err := os.WriteFile(emlPath, raw, 0o644); err != nil {
			return err
		}
	}
	html, err := htmlPart(raw)
	if err != nil {
		return err
	}
	return os.WriteFile(htmlPath, html, 0o644)
}

func htmlPart(raw []byte) ([]byte, error) {
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, errors.New("no text/html part")
		}
		if err != nil {
			return nil, err
		}
		if ct, _, _ := p.Header.(*mail.InlineHeader).ContentType(); ct == "text/html" {
			return io.ReadAll(p.Body)
		}
	}
}
