// Package digest builds the reading-window digest: one RFC 5322 message, appended by the daemon to the
// therapist's inbox, that lists every held message of the window (oldest first, grouped by sender) in a plain
// text part and a phone-friendly HTML part.
//
// Patient text is untrusted: it is made valid UTF-8, stripped of control and bidi-override characters,
// truncated, and escaped by html/template in the HTML part. The digest's headers carry no patient text at all:
// only the configured addresses, counts and the window.
//
// The Message-ID is derived from the window id alone (see MessageID), so the daemon can search the inbox for
// it before appending and a window is never delivered twice.
package digest
