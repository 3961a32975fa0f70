// Package schedule is the pure reading-window logic of boundaryd: it validates the
// cron expressions of reading_windows.schedule, computes when the next window is and
// which window is due, names windows with a stable id, formats them for people, and
// waits for them on the injected clock.Clock.
//
// # Expressions
//
// A schedule is one or more standard 5-field cron expressions (minute hour
// day-of-month month day-of-week), parsed by github.com/robfig/cron/v3 with its
// standard parser: names (TUE, DEC), ranges, lists and steps work, "?" means "*",
// and when both day fields are restricted a day matches either (classic cron).
// The shortcuts @yearly, @annually, @monthly, @weekly, @daily, @midnight and
// @hourly are accepted because they name times of day. "@every 1h" is rejected: it
// is an interval counted from whenever the daemon started, not a wall-clock time a
// therapist can announce to patients. A CRON_TZ= or TZ= prefix is rejected too: the
// timezone is its own key (reading_windows.timezone), and one source of truth
// avoids windows silently shifting by an hour.
//
// # Wall-clock semantics and daylight saving
//
// Windows are wall-clock times in the windows' timezone. robfig/cron's own Next
// walks absolute time, which skips a 02:30 window on the spring change and fires it
// twice on the autumn one. This package uses robfig/cron to parse, then enumerates
// the local calendar itself, so that:
//
//   - spring change (Europe/Paris, 29 March 2026, 02:00 -> 03:00): a window whose
//     wall-clock time does not exist fires once, at the moment of the change (03:00
//     local), like cronie runs jobs of a skipped hour right after the jump. Several
//     windows inside the gap collapse into that one instant;
//   - autumn change (25 October 2026, 03:00 -> 02:00): a window whose wall-clock
//     time happens twice fires once, at its first occurrence. WindowID is built from
//     the local wall clock, so even an instant from the second pass names the same
//     window and a digest is never delivered twice.
//
// # Pauses
//
// A Pause covers whole calendar days From..To inclusive in the windows' timezone
// (holidays). No window fires inside: Next skips them, and Due reports nothing
// while now is inside a pause. A window missed just before a pause is not
// delivered after it: the first window after the pause carries its mail, exactly
// as if the daemon had been running all along.
//
// # Catch-up
//
// Due(last, now) answers the latest window in (last, now]; several missed windows
// collapse into one delivery. The caller persists the window it delivered (not the
// time of delivery) and passes it back as last. Searches are bounded to about five
// years; Next returns the zero time when nothing fires in that horizon (for
// instance a pause covering years), FormatWindow words a zero time as "no reading
// window scheduled", and clock.WaitUntil treats it as never. CheckSpec rejects an expression
// that can never fire (30 February), without reading today's date.
//
// # Waiting
//
// clock.WaitUntil compares the Clock's wall-clock Now with the window and sleeps in slices
// of at most a minute: Go timers follow the monotonic clock, which stops while a
// Raspberry Pi or laptop is suspended and ignores NTP or manual clock changes,
// so re-reading the wall clock each minute delivers a window missed during
// sleep soon after resume. clock.Fake drives the same code in tests and the
// demo without sleeping.
package schedule
