package notify

import (
	"context"
	"strings"
	"testing"
)

// TestWebhookCarriesStableIdentity: every send of one alert (a retry, a
// resend after a restart) carries the same dedup_key and Idempotency-Key,
// the SMTP alert's Message-ID is built on the same value, and a repeat has
// its own.
func TestWebhookCarriesStableIdentity(t *testing.T) {
	hk := newHookSink(t)
	ch := newWebhookChannel(t, "webhook:1", hk.srv.URL, "")
	ntfy := newWebhookChannel(t, "webhook:2", hk.srv.URL, FormatNtfy)
	a := sampleAlert("k1")
	rep := a
	rep.Repeat = 1
	ctx := context.Background()
	var keys, headers []string
	for _, x := range []Alert{a, a, rep} {
		if err := ch.Send(ctx, x); err != nil {
			t.Fatal(err)
		}
		r := recv(t, hk.reqs, "webhook request")
		k, _ := decodeJSON(t, r.body)["dedup_key"].(string)
		keys = append(keys, k)
		headers = append(headers, r.header.Get("Idempotency-Key"))
	}
	if err := ntfy.Send(ctx, a); err != nil {
		t.Fatal(err)
	}
	ntfyKey := recv(t, hk.reqs, "ntfy request").header.Get("Idempotency-Key")
	if keys[0] == "" || keys[0] != keys[1] || headers[0] != keys[0] || headers[1] != keys[0] || ntfyKey != keys[0] {
		t.Errorf("one alert sent twice: dedup_key %q, %q; Idempotency-Key %q, %q, ntfy %q: want one value", keys[0], keys[1], headers[0], headers[1], ntfyKey)
	}
	if keys[2] == keys[0] || headers[2] != keys[2] {
		t.Errorf("a repeat must have its own identity: %q (first page %q), header %q", keys[2], keys[0], headers[2])
	}
	if strings.Contains(keys[0], "k1") || strings.Contains(keys[0], "ana") {
		t.Errorf("dedup_key %q shows the alert's key or sender", keys[0])
	}
	if id := alertMessageID(a.DeliveryID(), "dr@example.org"); id != "alert."+keys[0]+"@example.org" {
		t.Errorf("SMTP Message-ID %q not built on the webhook's dedup_key %q", id, keys[0])
	}
}
