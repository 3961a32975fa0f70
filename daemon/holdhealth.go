package daemon

// reportHold tells the health checker whether moving mail into the hold
// folder works (err nil) or the server refused it: /healthz turns unhealthy
// while every hold fails, instead of saying ok as mail piles up in the inbox.
func (d *Daemon) reportHold(err error) {
	if m := d.opts.Metrics; m != nil {
		m.HoldResult(d.cfg.IMAP.HoldFolder, err)
	}
}
