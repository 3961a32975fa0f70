package autoreply

import (
	"strings"
	"testing"

	"github.com/boundaryd/boundaryd/classify"
)

// msg parses a real header set (plus a short body) the way the daemon does.
func msg(t testing.TB, header string) *classify.Message {
	t.Helper()
	raw := strings.ReplaceAll(strings.TrimLeft(header, "\n"), "\n", "\r\n") + "\r\nHello, see you Tuesday.\r\n"
	m := classify.Parse(strings.NewReader(raw))
	return m
}

const patientHeader = `Return-Path: <ana@example.org>
From: Ana Martin <ana@example.org>
To: Dr Agostini <dr@example.org>
Subject: Tuesday
Date: Mon, 02 Mar 2026 10:00:00 +0100
Message-ID: <a1@example.org>
`

var self = map[string]bool{"dr@example.org": true, "Cabinet@Example.ORG": true}

func TestDecide(t *testing.T) {
	cases := []struct {
		name      string
		header    string
		escalated bool
		replyEsc  bool
		want      bool
		reason    string // substring of Decision.Reason
	}{
		{name: "patient", header: patientHeader, want: true},
		{name: "reply to an acknowledgement", header: patientHeader + "In-Reply-To: <ack.0123456789abcdef01234567@boundaryd>\n", reason: "reply to an acknowledgement"},
		{name: "acknowledgement deep in references", header: patientHeader + "References: <a@b> <ack.0123456789abcdef01234567@host.example> <c@d>\n", reason: "reply to an acknowledgement"},
		{name: "ack-like but not ours", header: patientHeader + "In-Reply-To: <ack.not-hex-at-all@boundaryd>\n", want: true},
		{name: "auto-submitted no", header: patientHeader + "Auto-Submitted: no\n", want: true},
		{name: "auto-submitted no with comment", header: patientHeader + "Auto-Submitted: No (manual)\n", want: true},
		{name: "auto-replied", header: patientHeader + "Auto-Submitted: auto-replied\n", reason: "Auto-Submitted"},
		{name: "auto-generated", header: patientHeader + "Auto-Submitted: auto-generated\n", reason: "Auto-Submitted"},
		{name: "auto-notified with params", header: patientHeader + "Auto-Submitted: auto-notified; owner-email=x@y\n", reason: "Auto-Submitted"},
		{name: "auto-submitted empty", header: patientHeader + "Auto-Submitted: \n", reason: "Auto-Submitted"},
		{name: "precedence bulk", header: patientHeader + "Precedence: bulk\n", reason: "Precedence"},
		{name: "precedence list", header: patientHeader + "Precedence: LIST\n", reason: "Precedence"},
		{name: "precedence junk", header: patientHeader + "Precedence: junk\n", reason: "Precedence"},
		{name: "precedence first-class", header: patientHeader + "Precedence: first-class\n", want: true},
		{name: "list-id", header: patientHeader + "List-Id: Group <group.example.org>\n", reason: "List-Id"},
		{name: "list-unsubscribe", header: patientHeader + "List-Unsubscribe: <mailto:u@example.org>\n", reason: "List-Unsubscribe"},
		{name: "empty return-path", header: strings.Replace(patientHeader, "Return-Path: <ana@example.org>", "Return-Path: <>", 1), reason: "Return-Path"},
		{name: "blank return-path", header: strings.Replace(patientHeader, "Return-Path: <ana@example.org>", "Return-Path: < >", 1), reason: "Return-Path"},
		{name: "no return-path at all", header: strings.Replace(patientHeader, "Return-Path: <ana@example.org>\n", "", 1), want: true},
		{name: "mailer-daemon", header: from("Mail Delivery System <MAILER-DAEMON@mx.example.org>"), reason: "MAILER-DAEMON"},
		{name: "postmaster", header: from("postmaster@example.org"), reason: "MAILER-DAEMON"},
		{name: "noreply", header: from("Bank <noreply@bank.example>"), reason: "no-reply"},
		{name: "no-reply upper", header: from("NO-REPLY@shop.example"), reason: "no-reply"},
		{name: "no_reply", header: from("no_reply@shop.example"), reason: "no-reply"},
		{name: "do-not-reply", header: from("Do-Not-Reply@clinic.example"), reason: "no-reply"},
		{name: "do.not.reply", header: from("do.not.reply@clinic.example"), reason: "no-reply"},
		{name: "donotreply tagged", header: from("donotreply+news@clinic.example"), reason: "no-reply"},
		{name: "notifications-noreply", header: from("notifications-noreply@app.example"), reason: "no-reply"},
		{name: "return-path noreply", header: strings.Replace(patientHeader, "<ana@example.org>\nFrom", "<bounce-noreply@esp.example>\nFrom", 1), reason: "Return-Path"},
		{name: "list owner", header: from("owner-therapy@lists.example"), reason: "list or bounce"},
		{name: "self", header: from("Me <DR@example.org>"), reason: "own address"},
		{name: "self from map key in other case", header: from("cabinet@example.org"), reason: "own address"},
		{name: "boundaryd digest", header: patientHeader + "X-Boundary-Kind: digest\n", reason: "X-Boundary-Kind"},
		{name: "other boundaryd auto-reply", header: patientHeader + "X-Boundary-Kind: auto-reply\n", reason: "X-Boundary-Kind"},
		{name: "exchange suppress", header: patientHeader + "X-Auto-Response-Suppress: OOF, AutoReply\n", reason: "Suppress"},
		{name: "vacation responder", header: patientHeader + "X-Autoreply: yes\n", reason: "auto-responder"},
		{name: "delivery report", header: patientHeader + "Content-Type: multipart/report; report-type=delivery-status; boundary=x\n", reason: "report"},
		{name: "missing from", header: strings.Replace(patientHeader, "From: Ana Martin <ana@example.org>\n", "", 1), reason: "From"},
		{name: "empty from", header: strings.Replace(patientHeader, "From: Ana Martin <ana@example.org>", "From: ", 1), reason: "From"},
		{name: "escalated", header: patientHeader, escalated: true, reason: "escalated"},
		{name: "escalated allowed", header: patientHeader, escalated: true, replyEsc: true, want: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(msg(t, c.header), c.escalated, self, c.replyEsc)
			if d.Reply != c.want {
				t.Fatalf("Reply = %v (%s), want %v", d.Reply, d.Reason, c.want)
			}
			if d.Reason == "" || !strings.Contains(d.Reason, c.reason) {
				t.Errorf("Reason = %q, want it to mention %q", d.Reason, c.reason)
			}
		})
	}
	if d := Decide(nil, false, self, false); d.Reply {
		t.Error("nil message: reply allowed")
	}
}

// from replaces the patient's From and Return-Path with addr.
func from(addr string) string {
	h := strings.Replace(patientHeader, "From: Ana Martin <ana@example.org>", "From: "+addr, 1)
	return strings.Replace(h, "Return-Path: <ana@example.org>\n", "", 1)
}

func TestDecideReasonCarriesNoPatientText(t *testing.T) {
	d := Decide(msg(t, patientHeader+"Auto-Submitted: I-want-to-end-it-all-tonight-please-help-me\n"), false, self, false)
	if d.Reply || strings.Contains(strings.ToLower(d.Reason), "end-it") {
		t.Errorf("Decision = %+v", d)
	}
}

// TestReplyToOwnAcknowledgementIsNotAnswered closes the loop with a
// responder that answers from a fresh address each time: its reply refers
// to the acknowledgement Build made.
func TestReplyToOwnAcknowledgementIsNotAnswered(t *testing.T) {
	r := build(t, opts("en"), msg(t, patientHeader), Data{NextWindow: "soon"})
	id, err := r.header.MessageID()
	if err != nil || id == "" {
		t.Fatalf("acknowledgement Message-ID %q: %v", id, err)
	}
	reply := strings.Replace(patientHeader, "From: Ana Martin <ana@example.org>", "From: Help desk <ticket-4711@helpdesk.example>", 1) +
		"In-Reply-To: <" + id + ">\n"
	if d := Decide(msg(t, reply), false, self, false); d.Reply {
		t.Errorf("a reply to our acknowledgement %s would be answered: %+v", id, d)
	}
}
