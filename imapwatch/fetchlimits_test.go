package imapwatch

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/boundaryd/boundaryd/classify"
)

// A header longer than MaxHeaderBytes (fetched with a partial range) is cut
// after a whole line and named in Errors; the message is still returned,
// its text fetched, and classify reads what was kept.
func TestFetchLongHeaderIsCutAndSaid(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			srv := b.start(t, full)
			var h strings.Builder
			h.WriteString("From: Ana <ana@example.org>\r\nSubject: long header\r\n")
			for i := range 3000 { // ~90 KiB of Received-style lines
				fmt.Fprintf(&h, "X-Trace-%04d: relay%04d.example.net with ESMTP id abcdef\r\n", i, i)
			}
			h.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nplease call me\r\n")
			srv.Deliver("INBOX", []byte(h.String()))
			opts := optionsFor(t, srv)
			opts.MaxHeaderBytes = 16 << 10
			s := dial(t, opts)
			if _, err := s.SelectInbox(testCtx(t, 5*time.Second)); err != nil {
				t.Fatal(err)
			}
			got, err := s.Fetch(testCtx(t, 10*time.Second), []uint32{1})
			if err != nil || len(got) != 1 {
				t.Fatalf("Fetch = %d messages, %v", len(got), err)
			}
			f := got[0]
			if n := len(f.Header); n > 16<<10 || n < 15<<10 || !bytes.HasSuffix(f.Header, []byte("\r\n")) {
				t.Errorf("header of %d bytes, ends %q: want the first whole lines of 16 KiB", n, f.Header[max(0, n-20):])
			}
			if len(f.Errors) != 1 || !strings.Contains(f.Errors[0], "header longer than 16 KiB") {
				t.Errorf("Errors = %q, want the cut header named", f.Errors)
			}
			if len(f.Parts) != 1 || !bytes.Contains(f.Parts[0].Body, []byte("please call me")) {
				t.Errorf("parts = %+v: the text must still be fetched", f.Parts)
			}
			m := classify.Assemble(f.Header, []classify.Part{{Path: "1", MediaType: "text/plain", Body: f.Parts[0].Body}})
			if m.Subject != "long header" || !strings.Contains(m.Body, "please call me") {
				t.Errorf("classify read subject %q body %q", m.Subject, m.Body)
			}
		})
	}
}

// Text is fetched up to textBytesPerMessage per message: the parts past it
// are marked Truncated with an empty body, and Errors says so.
func TestFetchCapsTextPerMessage(t *testing.T) {
	srv := memServer{mustMem(t)}
	var b strings.Builder
	b.WriteString("From: ana@example.org\r\nSubject: many parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n")
	for i := range 10 {
		fmt.Fprintf(&b, "--B\r\nContent-Type: text/plain\r\n\r\npart %d %s\r\n", i, strings.Repeat("x", 1500))
	}
	b.WriteString("--B--\r\n")
	srv.Deliver("INBOX", []byte(b.String()))
	opts := optionsFor(t, srv)
	opts.MaxTextBytes = 1000 // 4000 bytes of text per message
	s := dial(t, opts)
	if _, err := s.SelectInbox(testCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Fetch(testCtx(t, 10*time.Second), []uint32{1})
	if err != nil || len(got) != 1 {
		t.Fatalf("Fetch = %d messages, %v", len(got), err)
	}
	f := got[0]
	if len(f.Parts) != 10 {
		t.Fatalf("%d parts", len(f.Parts))
	}
	total := 0
	for i, p := range f.Parts {
		total += len(p.Body)
		if !p.Truncated {
			t.Errorf("part %d (%d bytes of 1500): not marked truncated", i, len(p.Body))
		}
		if i < 4 && !bytes.HasPrefix(p.Body, []byte(fmt.Sprintf("part %d ", i))) {
			t.Errorf("part %d: body %.20q", i, p.Body)
		}
		if i >= 4 && len(p.Body) != 0 {
			t.Errorf("part %d past the cap: %d bytes", i, len(p.Body))
		}
	}
	if total != 4000 {
		t.Errorf("%d bytes of text fetched, want 4000", total)
	}
	if len(f.Errors) != 1 || !strings.Contains(f.Errors[0], "6 text part(s)") {
		t.Errorf("Errors = %q", f.Errors)
	}
}

// Messages of thousands of MIME parts from an honest server fit their
// structure budget (it grows with the message's size), the smallest parts
// there can be included: they are fetched, their first maxPartsPerMessage
// parts kept, and Errors says how many more.
func TestFetchManyPartsFromAnHonestServer(t *testing.T) {
	for _, shape := range []struct {
		name  string
		parts int
		part  func(i int) string
	}{
		{"named images", 3000, func(i int) string {
			return fmt.Sprintf("--B\r\nContent-Type: image/png; name=\"%d.png\"\r\n\r\nx\r\n", i)
		}},
		{"empty parts", 9000, func(int) string { return "--B\r\n\r\n\r\n" }},
	} {
		var b strings.Builder
		b.WriteString("From: ana@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n")
		for i := range shape.parts {
			b.WriteString(shape.part(i))
		}
		b.WriteString("--B--\r\n")
		for _, be := range backends {
			t.Run(shape.name+"/"+be.name, func(t *testing.T) {
				srv := be.start(t, full)
				for range 4 {
					srv.Deliver("INBOX", []byte(b.String()))
				}
				s := dialSelected(t, srv)
				got, err := s.Fetch(testCtx(t, 20*time.Second), []uint32{1, 2, 3, 4})
				if err != nil || len(got) != 4 {
					t.Fatalf("Fetch = %d messages, %v", len(got), err)
				}
				for _, f := range got {
					// (Empty text parts also meet the text cap: a second entry.)
					if len(f.Parts) != maxPartsPerMessage || len(f.Errors) == 0 || !strings.Contains(f.Errors[0], fmt.Sprintf("%d more", shape.parts-maxPartsPerMessage)) {
						t.Errorf("uid %d: %d parts, Errors %q", f.UID, len(f.Parts), f.Errors)
					}
				}
			})
		}
	}
}
