package daemon

import (
	"github.com/boundaryd/boundaryd/clock"
	"github.com/boundaryd/boundaryd/config"
	"github.com/boundaryd/boundaryd/notify"
)

// ChannelsFor builds cfg's alert channels exactly as the daemon does, in
// their groups (the alerts, the backup, each pause's cover), for commands
// that send outside it (`boundaryd test-alert`, `boundaryd init`).
func ChannelsFor(cfg *config.Config, opts Options) ([]notify.ChannelGroup, error) {
	d := &Daemon{cfg: cfg, opts: opts, clock: opts.Clock}
	if d.clock == nil {
		d.clock = clock.System()
	}
	return d.channelGroups()
}
