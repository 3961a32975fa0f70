package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/imapwatch"
)

// serverName says which server this is, in words, with what it told of itself.
func serverName(info imapwatch.ServerInfo) string {
	name := string(info.Product)
	if info.Product == imapwatch.ProductUnknown {
		name = "an IMAP server boundaryd does not recognise"
	}
	var said []string
	if info.ID != nil {
		id := strings.TrimSpace(info.ID.Name + " " + info.ID.Version)
		if info.ID.Vendor != "" {
			id += ", " + info.ID.Vendor
		}
		if id != "" {
			said = append(said, "ID "+fmt.Sprintf("%q", id))
		}
	}
	if info.Greeting != "" {
		said = append(said, fmt.Sprintf("greeting %q", info.Greeting))
	}
	if len(said) == 0 {
		return name
	}
	return name + " (" + strings.Join(said, "; ") + ")"
}

// moveStrategy says in words how boundaryd takes a message out of the inbox.
func moveStrategy(c imapwatch.Capabilities) string {
	switch {
	case c.Move:
		return "MOVE: messages go to the hold folder in one step"
	case c.UIDPlus:
		return "COPY + delete (no MOVE: boundaryd will copy, check the copy, then delete the original; UIDPLUS expunges only that original)"
	default:
		return "COPY + delete (no MOVE: boundaryd will copy, check the copy, then delete the original; " +
			"no UIDPLUS: without it boundaryd cannot expunge one message alone, so the original stays in the inbox flagged \\Deleted)"
	}
}

// describeServer prints which server it is, what boundaryd will do there
// and what the user must set or know.
func describeServer(w io.Writer, info imapwatch.ServerInfo, cfg *config.Config, held string) {
	c := info.Caps
	poll := cfg.IMAP.PollInterval.D()
	fmt.Fprintf(w, "Server: %s\n", serverName(info))
	fmt.Fprintln(w, "What boundaryd will do here:")
	if c.IDLE {
		fmt.Fprintln(w, "  - watch the inbox with IDLE: new mail is noticed within seconds")
	} else {
		fmt.Fprintf(w, "  - poll the inbox every %s (imap.poll_interval): the server has no IDLE\n", poll)
	}
	fmt.Fprintf(w, "  - take held mail out of the inbox by %s\n", moveStrategy(c))
	fmt.Fprintf(w, "  - keep held mail in %s\n", held)
	switch {
	case !info.Namespace:
		fmt.Fprintln(w, "    (the server offers no NAMESPACE; the folder is named as configured, with its delimiter)")
	case info.Personal != "":
		fmt.Fprintf(w, "    (personal folders live under %q here, delimiter %q)\n", info.Personal, string(info.Delim))
	default:
		fmt.Fprintf(w, "    (personal namespace at the top level, delimiter %q)\n", string(info.Delim))
	}
	if c.Keywords {
		fmt.Fprintln(w, "  - mark escalated mail \\Flagged and $Emergency (the inbox accepts new keywords)")
	} else {
		fmt.Fprintln(w, "  - mark escalated mail \\Flagged only (the inbox accepts no new keywords, so no $Emergency)")
	}
	var must []string
	if !c.IDLE {
		must = append(must, fmt.Sprintf("without IDLE an emergency alert can be up to imap.poll_interval (%s) late; lower it if that is too long", poll))
	}
	if !c.Move && !c.UIDPlus {
		must = append(must, "held originals stay in the inbox flagged \\Deleted: set your mail client to hide or purge deleted messages")
	}
	switch info.Product {
	case imapwatch.ProductGmail:
		must = append(must,
			"Gmail: moving out of INBOX removes the INBOX label and adds the hold folder's label; the message stays in All Mail, where a client showing All Mail still finds it",
			"Gmail: log in with an app password (imap.auth: plain) or OAuth (imap.auth: xoauth2); the account password alone is refused")
	case imapwatch.ProductMicrosoft:
		if a := cfg.IMAP.Auth; a != config.AuthXOAuth2 && a != config.AuthOAuthBearer && a != config.AuthOAuth2 {
			must = append(must, "Microsoft 365 / Outlook.com refuse passwords: set imap.auth: oauth2 and sign in with boundaryd login (or imap.auth: xoauth2 with a token)")
		} else {
			must = append(must, "Microsoft drops idle connections now and then; boundaryd reconnects by itself")
		}
	case imapwatch.ProductICloud:
		must = append(must, "iCloud: log in with an app-specific password from appleid.apple.com")
	case imapwatch.ProductProtonBridge:
		must = append(must, "Proton Mail Bridge must be running on this machine whenever boundaryd runs; use the Bridge's own password, not your Proton one")
	case imapwatch.ProductFastmail:
		must = append(must, "Fastmail: log in with an app password (Settings > Privacy & Security)")
	case imapwatch.ProductCourier, imapwatch.ProductCyrus:
		if info.Personal != "" {
			must = append(must, fmt.Sprintf("folders beside INBOX cannot be created here: the hold folder goes under %q as shown; look for it there in your mail client", info.Personal))
		}
	case imapwatch.ProductDovecot, imapwatch.ProductGoIMAP, imapwatch.ProductUnknown:
	}
	if len(must) == 0 {
		fmt.Fprintln(w, "Nothing else to set for this server.")
		return
	}
	fmt.Fprintln(w, "What you must set or know:")
	for _, m := range must {
		fmt.Fprintf(w, "  - %s\n", m)
	}
}
