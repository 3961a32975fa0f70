package imapwatch

import (
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/boundaryd/boundaryd/internal/netpolicy"
	"github.com/boundaryd/boundaryd/internal/testimap"
)

// Recognise names each server from what it says of itself (greetings and ID
// answers as those servers send them) or, failing that, from its host.
func TestRecognise(t *testing.T) {
	for _, tc := range []struct {
		host, greeting string
		id             *imap.IDData
		want           Product
	}{
		{"mail.example.org", "Dovecot (Debian) ready.", &imap.IDData{Name: "Dovecot"}, ProductDovecot},
		{"mail.example.org", "localhost Cyrus IMAP 3.6.1 server ready", &imap.IDData{Name: "Cyrus IMAPD", Vendor: "Project Cyrus"}, ProductCyrus},
		{"imap.fastmail.com", "IMAP4rev1 Server ready", &imap.IDData{Name: "Cyrus IMAPD", Vendor: "Project Cyrus"}, ProductFastmail},
		{"mail.example.org", "Courier-IMAP ready. Copyright 1998-2019 Double Precision, Inc.", nil, ProductCourier},
		{"imap.gmail.com", "Gimap ready for requests from 192.0.2.1", &imap.IDData{Name: "GImap", Vendor: "Google, Inc."}, ProductGmail},
		{"outlook.office365.com", "The Microsoft Exchange IMAP4 service is ready.", nil, ProductMicrosoft},
		{"imap.mail.me.com", "imap.mail.me.com ready", nil, ProductICloud},
		{"127.0.0.1", "Proton Mail Bridge 3.0 - gluon session ID 1", nil, ProductProtonBridge},
		{"127.0.0.1", "IMAP server ready", nil, ProductUnknown},
	} {
		if got := Recognise(tc.host, tc.greeting, tc.id); got != tc.want {
			t.Errorf("Recognise(%q, %q, %+v) = %q, want %q", tc.host, tc.greeting, tc.id, got, tc.want)
		}
	}
}

// The recorder keeps only the first line, in pieces as TCP delivers it, and
// strips the status and response code.
func TestGreetingRecorder(t *testing.T) {
	var r greetingRecorder
	r.add([]byte("* OK [CAPABILITY IMAP4rev1 ID] Dovecot "))
	r.add([]byte("ready.\r\nA1 OK done\r\n"))
	r.add([]byte("* more\r\n"))
	if got, want := r.text(), "Dovecot ready."; got != want {
		t.Errorf("greeting %q, want %q", got, want)
	}
}

// ServerInfo reads the greeting in the clear, under implicit TLS and before
// STARTTLS, and the capabilities and namespace of the session.
func TestServerInfoGreeting(t *testing.T) {
	for _, mode := range []string{"insecure", testimap.TLSImplicit, testimap.TLSStartTLS} {
		t.Run(mode, func(t *testing.T) {
			mo := testimap.MemOptions{}
			if mode != "insecure" {
				mo.TLS = mode
			}
			srv := testimap.StartMem(t, mo)
			opts := optionsFor(t, srv)
			if mode != "insecure" {
				opts.Security = netpolicy.Security(mode)
				opts.TLSConfig = srv.ClientTLS()
			}
			s := dial(t, opts)
			info, err := s.ServerInfo(testCtx(t, 5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if info.Greeting != "IMAP server ready" {
				t.Errorf("greeting %q, want %q", info.Greeting, "IMAP server ready")
			}
			if info.Product != ProductUnknown || !info.Caps.Move || !info.Caps.IDLE || info.Delim != '/' || info.Personal != "" {
				t.Errorf("info %+v", info)
			}
		})
	}
}
